// The recipe registry: built-in recipes by name, or a user's module by path.
import { isRecipePath } from '../config';
import type { BuiltInRecipeName } from './names';
import { loadRecipeModule, type Recipe } from './recipe';
export { callRecipe } from './recipe';
import { spamRecipe } from './spam';
import { spamEmbeddingRecipe } from './spam-embedding';

export type { Recipe, RecipeContext, RecipeData, RecipeLoss } from './recipe';

const builtInRecipes: Record<BuiltInRecipeName, Recipe> = { spam: spamRecipe, 'spam-embedding': spamEmbeddingRecipe };

/** Returns the recipe a config names: a built-in recipe or a user's JS module (an absolute path). */
export function resolveRecipe(recipe: string): Recipe {
  if (isRecipePath(recipe)) {
    return loadRecipeModule(recipe);
  }
  const builtIn = builtInRecipes[recipe as BuiltInRecipeName];
  if (!builtIn) {
    throw new Error(`Unknown recipe "${recipe}": expected one of ${Object.keys(builtInRecipes).join(', ')} or a path to a .js module`);
  }
  return builtIn;
}
