import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as fs from 'fs-extra';
import { commitFolder, latestValid, listFolders, rotate, setPinned } from '../../../src/core';
import { FIXTURES, commitSteps, makeTempDir, namesIn, weightsFor } from './helpers/folders';

describe('core rotation', () => {
  let dir: string;
  beforeEach(async () => { dir = await makeTempDir(); });
  afterEach(async () => { await fs.remove(dir); });

  it('limit 2 deletes the oldest backup', async () => {
    await commitSteps(dir, 'backup', [500, 1000, 1500]);
    const deleted = await rotate(dir, 'backup', { keepNewest: 2 });
    assert.deepEqual(deleted, [path.join(dir, 'model_backup_step-500')]);
    assert.deepEqual(await namesIn(dir), ['model_backup_step-1000', 'model_backup_step-1500']);
  });

  it('orders 9000 before 10000', async () => {
    await commitSteps(dir, 'backup', [10000, 9000]);
    assert.equal((await latestValid(dir, 'backup'))?.step, 10000);
    const deleted = await rotate(dir, 'backup', { keepNewest: 1 });
    assert.deepEqual(deleted, [path.join(dir, 'model_backup_step-9000')]);
    assert.deepEqual(await namesIn(dir), ['model_backup_step-10000']);
  });

  it('orders by step, not mtime', async () => {
    // 1000 is written first and given the oldest times, as after a copy or restore.
    await commitSteps(dir, 'checkpoint', [1000, 400, 600, 800]);
    const old = new Date('2020-01-01T00:00:00Z');
    await fs.utimes(path.join(dir, 'checkpoint-1000'), old, old);
    await fs.utimes(path.join(dir, 'checkpoint-1000', 'weights.bin'), old, old);

    const deleted = await rotate(dir, 'checkpoint', { keepNewest: 3 });

    assert.deepEqual(deleted, [path.join(dir, 'checkpoint-400')]);
    assert.deepEqual(await namesIn(dir), ['checkpoint-1000', 'checkpoint-600', 'checkpoint-800']);
  });

  it('keeps latest and best when they differ', async () => {
    // Two folders remain with limit 1: the newest (the limit) and the best by eval_loss (its own policy).
    for (const [step, evalLoss] of [[100, 0.9], [200, 0.2], [300, 0.5], [400, 0.7]]) {
      await commitFolder(dir, 'checkpoint', step, weightsFor(step), { meta: { eval_loss: evalLoss } });
    }
    const deleted = await rotate(dir, 'checkpoint', { keepNewest: 1, best: { metric: 'eval_loss', greaterIsBetter: false } });
    assert.deepEqual(deleted.map((item) => path.basename(item)), ['checkpoint-100', 'checkpoint-300']);
    assert.deepEqual(await namesIn(dir), ['checkpoint-200', 'checkpoint-400']);
  });

  it('ignores a changed best metric', async () => {
    for (const [step, evalLoss] of [[100, 0.9], [200, 0.2], [300, 0.5]]) {
      await commitFolder(dir, 'checkpoint', step, weightsFor(step), { meta: { eval_loss: evalLoss } });
    }
    const manifestFile = path.join(dir, 'checkpoint-100', 'manifest.json');
    await fs.writeFile(manifestFile, (await fs.readFile(manifestFile, 'utf8')).replace('"eval_loss": 0.9', '"eval_loss": 0.1'));

    const deleted = await rotate(dir, 'checkpoint', { keepNewest: 1, best: { metric: 'eval_loss', greaterIsBetter: false } });

    // 100's manifest was changed, so it is neither the best nor deleted. 200 is the real best.
    assert.deepEqual(deleted, []);
    assert.deepEqual(await namesIn(dir), ['checkpoint-100', 'checkpoint-200', 'checkpoint-300']);
  });

  it('keeps one when best is latest', async () => {
    for (const [step, accuracy] of [[100, 0.5], [200, 0.6], [300, 0.8]]) {
      await commitFolder(dir, 'checkpoint', step, weightsFor(step, { accuracy }));
    }
    const deleted = await rotate(dir, 'checkpoint', { keepNewest: 1, best: { metric: 'accuracy', greaterIsBetter: true } });
    assert.equal(deleted.length, 2);
    assert.deepEqual(await namesIn(dir), ['checkpoint-300']);
  });

  it('keeps everything without a limit', async () => {
    await commitSteps(dir, 'backup', [1, 2, 3]);
    for (const keepNewest of [0, -1, undefined, Number.NaN]) {
      assert.deepEqual(await rotate(dir, 'backup', { keepNewest }), [], String(keepNewest));
    }
    assert.deepEqual(await namesIn(dir), ['model_backup_step-1', 'model_backup_step-2', 'model_backup_step-3']);
  });

  it('skips an incomplete newest folder', async () => {
    await commitSteps(dir, 'checkpoint', [100]);
    const incomplete = path.join(dir, 'checkpoint-200');
    await fs.mkdirp(incomplete);
    await fs.writeFile(path.join(incomplete, 'weights.bin'), Buffer.alloc(64, 1));

    const latest = await latestValid(dir, 'checkpoint');
    const listed = await listFolders(dir, 'checkpoint');
    const deleted = await rotate(dir, 'checkpoint', { keepNewest: 1 });

    assert.equal(latest?.step, 100);
    assert.deepEqual(listed.map((info) => [info.step, info.complete]), [[100, true], [200, false]]);
    assert.match(listed[1].problem ?? '', /no manifest\.json/);
    assert.deepEqual(deleted, []);
    assert.deepEqual(await namesIn(dir), ['checkpoint-100', 'checkpoint-200']);
  });

  it('does not count corrupt survivors', async () => {
    await commitSteps(dir, 'checkpoint', [100, 200, 300]);
    await fs.appendFile(path.join(dir, 'checkpoint-300', 'weights.bin'), 'damage');

    const deleted = await rotate(dir, 'checkpoint', { keepNewest: 1 });

    // 300 is corrupt, so 200 is the newest valid one, and 300 stays as evidence.
    assert.deepEqual(deleted, [path.join(dir, 'checkpoint-100')]);
    assert.deepEqual(await namesIn(dir), ['checkpoint-200', 'checkpoint-300']);
  });

  it('never deletes the only valid folder', async () => {
    await commitSteps(dir, 'checkpoint', [100, 200, 300]);
    await fs.appendFile(path.join(dir, 'checkpoint-200', 'weights.bin'), 'damage');
    await fs.appendFile(path.join(dir, 'checkpoint-300', 'weights.bin'), 'damage');

    const deleted = await rotate(dir, 'checkpoint', { keepNewest: 2 });

    assert.deepEqual(deleted, []);
    assert.deepEqual(await namesIn(dir), ['checkpoint-100', 'checkpoint-200', 'checkpoint-300']);
  });

  it('keeps pinned and protected folders', async () => {
    await commitSteps(dir, 'backup', [100, 200, 300, 400, 500]);
    await setPinned(path.join(dir, 'model_backup_step-100'), true);
    await setPinned(path.join(dir, 'model_backup_step-200'), true);
    await setPinned(path.join(dir, 'model_backup_step-200'), false);

    const deleted = await rotate(dir, 'backup', { keepNewest: 1, protect: [path.join(dir, 'model_backup_step-300') + path.sep] });

    assert.deepEqual(deleted.map((item) => path.basename(item)), ['model_backup_step-200', 'model_backup_step-400']);
    assert.deepEqual(await namesIn(dir),
      ['.pinned-model_backup_step-100', 'model_backup_step-100', 'model_backup_step-300', 'model_backup_step-500']);
    assert.deepEqual((await listFolders(dir, 'backup')).map((info) => info.pinned), [true, false, false]);
  });

  it('deletes pinned when pinned is false', async () => {
    await commitSteps(dir, 'backup', [100, 200]);
    await setPinned(path.join(dir, 'model_backup_step-100'), true);
    const deleted = await rotate(dir, 'backup', { keepNewest: 1, pinned: false });
    assert.deepEqual(deleted, [path.join(dir, 'model_backup_step-100')]);
    assert.deepEqual(await namesIn(dir), ['model_backup_step-200']);
  });

  it('never rotates HuggingFace folders', async () => {
    await fs.copy(path.join(FIXTURES, 'huggingface', 'checkpoint-500'), path.join(dir, 'checkpoint-500'));
    await commitSteps(dir, 'checkpoint', [600, 700]);

    const deleted = await rotate(dir, 'checkpoint', { keepNewest: 1 });

    assert.deepEqual(deleted, [path.join(dir, 'checkpoint-600')]);
    assert.deepEqual(await namesIn(dir), ['checkpoint-500', 'checkpoint-700']);
    assert.deepEqual(await namesIn(path.join(dir, 'checkpoint-500')), ['config.json', 'model.safetensors', 'trainer_state.json']);
  });

  it('deletes several at once through trash', async () => {
    await commitSteps(dir, 'backup', [1, 2, 3, 4, 5, 6]);
    const deleted = await rotate(dir, 'backup', { keepNewest: 2 });
    assert.equal(deleted.length, 4);
    assert.deepEqual(await namesIn(dir), ['model_backup_step-5', 'model_backup_step-6']);
  });
});
