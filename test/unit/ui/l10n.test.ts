import * as assert from 'node:assert/strict';
import { messages } from '../../../src/training/messages';
import { l10nCallLiterals, placeholders, readJson } from './sourceStrings';

/** Messages that stay the same in Russian: the product name and messages made only of it and an icon. */
const untranslated = new Set(['Training Backups', '$(archive) Training Backups']);

const english = readJson('l10n/bundle.l10n.json') as Record<string, string>;
const russian = readJson('l10n/bundle.l10n.ru.json') as Record<string, string>;
const sourceMessages = [
  ...l10nCallLiterals(),
  ...Object.values(messages).map((message) => ({ message, file: 'src/training/messages.ts' })),
];

describe('l10n bundles', () => {
  it('finds the messages in the sources', () => {
    // Guards the scan itself: a broken pattern would make every other check pass vacuously.
    assert.ok(l10nCallLiterals().length >= 50, `only ${l10nCallLiterals().length} l10n.t literals found in src/`);
  });

  it('english bundle has every source message', () => {
    for (const { message, file } of sourceMessages) {
      assert.equal(english[message], message, `"${message}" (${file}) is missing from l10n/bundle.l10n.json`);
    }
  });

  it('russian bundle translates every source message', () => {
    for (const { message, file } of sourceMessages) {
      const translation = russian[message];
      assert.equal(typeof translation, 'string', `"${message}" (${file}) is missing from l10n/bundle.l10n.ru.json`);
      if (!untranslated.has(message)) {
        assert.notEqual(translation, message, `"${message}" (${file}) is not translated in l10n/bundle.l10n.ru.json`);
      }
    }
  });

  it('russian messages keep the placeholders', () => {
    for (const [message, translation] of Object.entries(russian)) {
      assert.deepEqual(placeholders(translation), placeholders(message), `placeholders differ for "${message}"`);
    }
  });

  it('russian messages keep the codicons', () => {
    for (const [message, translation] of Object.entries(russian)) {
      const icons = (text: string) => text.match(/\$\([a-z~-]+\)/g) ?? [];
      assert.deepEqual(icons(translation), icons(message), `codicons differ for "${message}"`);
    }
  });

  it('bundles hold no stale messages', () => {
    const known = new Set(sourceMessages.map(({ message }) => message));
    for (const message of [...Object.keys(english), ...Object.keys(russian)]) {
      assert.ok(known.has(message), `"${message}" is in an l10n bundle but no source uses it`);
    }
  });
});
