// Names of the built-in recipes. Kept apart from the recipes themselves so that config validation (also used
// by the extension host) does not load tfjs.
export const builtInRecipeNames = ['spam', 'spam-embedding'] as const;
export type BuiltInRecipeName = (typeof builtInRecipeNames)[number];
