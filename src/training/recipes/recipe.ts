// What a recipe provides: the data and the model of a run. Built-in recipes live in this folder; a user's own
// recipe is a CommonJS module exporting the same functions (see examples/custom/recipe.js).
import * as path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { t } from '../l10n';
import { messages } from '../messages';

export type Tf = typeof tfjs;
export type RecipeLoss = 'binaryCrossentropy' | 'categoricalCrossentropy' | 'meanSquaredError';

export interface RecipeContext {
  /** The tfjs instance of the trainer; a recipe module must create its tensors and layers with it. */
  tf: Tf;
  /** The run's seed, for weight initializers and data splits. */
  seed: number;
  /** The saved tokenizer.json content when a run resumes or restores; fit a new tokenizer when undefined. */
  tokenizer?: unknown;
}

export interface RecipeData {
  trainX: tfjs.Tensor;
  trainY: tfjs.Tensor;
  evalX?: tfjs.Tensor;
  evalY?: tfjs.Tensor;
  /** JSON saved as tokenizer.json in checkpoints and backups; undefined when the recipe has no tokenizer. */
  tokenizer?: unknown;
}

export interface Recipe {
  loadData(context: RecipeContext): Promise<RecipeData> | RecipeData;
  buildModel(context: RecipeContext & { data: RecipeData }): tfjs.LayersModel;
  /** Loss to minimize; binaryCrossentropy when omitted. */
  loss?: RecipeLoss;
}

const losses: readonly RecipeLoss[] = ['binaryCrossentropy', 'categoricalCrossentropy', 'meanSquaredError'];

/** Loads a user's recipe module and checks that it exports what a recipe needs. */
export function loadRecipeModule(modulePath: string): Recipe {
  const absolute = path.resolve(modulePath);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded: unknown = require(absolute);
  const candidate = ((loaded as { default?: unknown })?.default ?? loaded) as Partial<Recipe>;
  const problems: string[] = [];
  if (typeof candidate?.loadData !== 'function') {
    problems.push('loadData(context) is missing');
  }
  if (typeof candidate?.buildModel !== 'function') {
    problems.push('buildModel(context) is missing');
  }
  if (candidate?.loss !== undefined && !losses.includes(candidate.loss)) {
    problems.push(`loss "${String(candidate.loss)}" is invalid: expected one of ${losses.join(', ')}`);
  }
  if (problems.length > 0) {
    throw new Error(`The recipe module ${absolute} is invalid: ${problems.join('; ')}. See examples/custom/recipe.js.`);
  }
  return candidate as Recipe;
}

/**
 * Runs one function of a recipe and wraps what it throws in an error that names the recipe and the function,
 * with the original error as `cause`.
 */
export async function callRecipe<T>(recipe: string, name: 'loadData' | 'buildModel', call: () => Promise<T> | T): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(t(messages.recipeFailed, recipe, name, reason), { cause: error });
  }
}

