// Helpers shared by the l10n tests: the repository root and the user-facing strings found in the sources.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Repository root: this file runs from out/test/unit/ui/. */
export const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');

export function readJson(relativePath: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(repoRoot, relativePath), 'utf8'));
}

function listTypeScript(dir: string): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      files.push(...listTypeScript(full));
    } else if (entry.name.endsWith('.ts')) {
      files.push(full);
    }
  }
  return files;
}

/** Decodes the escapes a single-quoted TypeScript string literal may contain. */
function unescapeLiteral(text: string): string {
  const escapes: Record<string, string> = { n: '\n', t: '\t' };
  return text.replace(/\\(.)/g, (_match, char: string) => escapes[char] ?? char);
}

/** Finds every message literal passed to `l10n.t('...')` in src/, with the file it came from. */
export function l10nCallLiterals(): Array<{ message: string; file: string }> {
  const found: Array<{ message: string; file: string }> = [];
  for (const file of listTypeScript(path.join(repoRoot, 'src'))) {
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(/l10n\.t\(\s*'((?:[^'\\]|\\.)*)'/g)) {
      found.push({ message: unescapeLiteral(match[1]), file: path.relative(repoRoot, file) });
    }
  }
  return found;
}

/** `{0}`, `{1}`, ... placeholders of a message, sorted, with repeats. */
export function placeholders(message: string): string[] {
  return (message.match(/\{\d+\}/g) ?? []).sort();
}
