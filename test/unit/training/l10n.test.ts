import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadBundle, t } from '../../../src/training/l10n';
import { messages } from '../../../src/training/messages';

describe('training l10n', () => {
  afterEach(() => loadBundle(undefined));

  it('fills placeholders in English', () => {
    assert.equal(t(messages.checkpointSaved, 50, '/runs/checkpoint-50'), 'Saved checkpoint step 50 to /runs/checkpoint-50.');
  });

  it('writes one period after a sentence argument', () => {
    const text = t(messages.checkpointFailed, 'step 50', 'Failed to save checkpoint-50. Free disk space and save again.');
    assert.equal(text, 'Saving checkpoint step step 50 failed: Failed to save checkpoint-50. Free disk space and save again. Earlier checkpoints are untouched.');
    assert.doesNotMatch(text, /\.\./);
  });

  it('keeps a period after a plain argument', () => {
    assert.equal(t(messages.finished, 456), 'Training finished at step 456.');
  });

  it('translates with the Russian bundle', () => {
    loadBundle(path.join(__dirname, '..', '..', '..', '..', 'l10n', 'bundle.l10n.ru.json'));
    const text = t(messages.finished, 456);
    assert.notEqual(text, 'Training finished at step 456.');
    assert.match(text, /456/);
    assert.match(text, /[а-яё]/i);
  });
});
