// Localized user-facing messages of the training process. A VS Code l10n bundle is a JSON object whose keys
// are the English strings and whose values are the translations, with {0}, {1}, ... placeholders.
import * as fs from 'node:fs';

let bundle: Record<string, string> = {};

/** Loads the l10n bundle at `bundlePath`; an empty or missing path switches back to English. */
export function loadBundle(bundlePath: string | undefined): void {
  if (!bundlePath) {
    bundle = {};
    return;
  }
  const parsed: unknown = JSON.parse(fs.readFileSync(bundlePath, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`The l10n bundle ${bundlePath} is invalid: expected a JSON object of message translations.`);
  }
  bundle = parsed as Record<string, string>;
}

/** Translates `message` with the loaded bundle and fills its {0}, {1}, ... placeholders with `args`. */
export function t(message: string, ...args: Array<string | number>): string {
  const template = typeof bundle[message] === 'string' ? bundle[message] : message;
  // A placeholder followed by a period takes no second period from an argument that already ends a sentence.
  return template.replace(/\{(\d+)\}(\.?)/g, (match, index: string, period: string) => {
    const value = args[Number(index)];
    if (value === undefined) {
      return match;
    }
    const text = String(value);
    return period && text.endsWith('.') ? text : text + period;
  });
}
