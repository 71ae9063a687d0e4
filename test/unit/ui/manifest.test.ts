import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readJson, repoRoot } from './sourceStrings';

/** Collects every `%key%` placeholder in the manifest by walking all string values. */
function manifestKeys(value: unknown, found = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    const match = /^%(.+)%$/.exec(value);
    if (match) {
      found.add(match[1]);
    }
  } else if (Array.isArray(value)) {
    value.forEach((item) => manifestKeys(item, found));
  } else if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach((item) => manifestKeys(item, found));
  }
  return found;
}

/** Names that stay the same in Russian. */
const untranslated = new Set(['displayName', 'category', 'viewsContainer.title']);

const manifest = readJson('package.json') as Record<string, any>;
const english = readJson('package.nls.json') as Record<string, string>;
const russian = readJson('package.nls.ru.json') as Record<string, string>;
const keys = manifestKeys(manifest);

describe('manifest strings', () => {
  it('finds the placeholders', () => {
    assert.ok(keys.has('command.startTraining'), 'the %key% scan of package.json found no command titles');
  });

  it('package.nls.json has every key', () => {
    for (const key of keys) {
      assert.equal(typeof english[key], 'string', `%${key}% has no entry in package.nls.json`);
    }
  });

  it('package.nls.ru.json translates every key', () => {
    for (const key of keys) {
      assert.equal(typeof russian[key], 'string', `%${key}% has no entry in package.nls.ru.json`);
      if (!untranslated.has(key)) {
        assert.notEqual(russian[key], english[key], `%${key}% is not translated in package.nls.ru.json`);
      }
    }
  });

  it('nls files hold no unused keys', () => {
    for (const key of [...Object.keys(english), ...Object.keys(russian)]) {
      assert.ok(keys.has(key), `${key} is in an nls file but package.json does not use it`);
    }
  });

  it('command links in nls strings name contributed commands', () => {
    const commands = new Set<string>(manifest.contributes.commands.map((command: { command: string }) => command.command));
    for (const [key, text] of [...Object.entries(english), ...Object.entries(russian)]) {
      for (const match of text.matchAll(/\(command:(trainingBackups\.[A-Za-z.]+)/g)) {
        assert.ok(commands.has(match[1]), `${key} links to ${match[1]}, which package.json does not contribute`);
      }
    }
  });

  it('menus name contributed commands', () => {
    const commands = new Set<string>(manifest.contributes.commands.map((command: { command: string }) => command.command));
    for (const [menu, items] of Object.entries(manifest.contributes.menus as Record<string, Array<{ command: string }>>)) {
      for (const item of items) {
        assert.ok(commands.has(item.command), `menu ${menu} names ${item.command}, which is not contributed`);
      }
    }
  });

  it('walkthrough media files exist', () => {
    for (const walkthrough of manifest.contributes.walkthroughs) {
      for (const step of walkthrough.steps) {
        const file = path.join(repoRoot, step.media.markdown);
        assert.ok(fs.existsSync(file), `walkthrough step ${step.id} names ${step.media.markdown}, which does not exist`);
      }
    }
  });
});
