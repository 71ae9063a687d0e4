import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as fs from 'fs-extra';
import { commitFolder, latestValid, listFolders, listRun, readTrainerState, verifyFolder } from '../../../src/core';
import { FIXTURES, commitSteps, makeTempDir, weightsFor } from './helpers/folders';

describe('core listing', () => {
  let dir: string;
  beforeEach(async () => { dir = await makeTempDir(); });
  afterEach(async () => { await fs.remove(dir); });

  it('lists a HuggingFace checkpoint read-only', async () => {
    const source = path.join(FIXTURES, 'huggingface', 'checkpoint-500');
    await fs.copy(source, path.join(dir, 'checkpoint-500'));

    const [info] = await listFolders(dir, 'checkpoint');
    const sizes = await Promise.all((await fs.readdir(source)).map(async (name) => (await fs.stat(path.join(source, name))).size));

    assert.equal(info.format, 'huggingface');
    assert.equal(info.step, 500);
    assert.equal(info.loss, 0.57);
    assert.equal(info.epoch, 1.5);
    assert.equal(info.metrics?.eval_loss, 0.41);
    assert.equal(info.complete, false);
    assert.equal(info.verification?.state, 'unverified');
    assert.equal(info.sizeBytes, sizes.reduce((a, b) => a + b, 0));
    assert.equal((await verifyFolder(info.path)).state, 'unverified');
    assert.equal(await latestValid(dir, 'checkpoint'), undefined);
  });

  it('reads HuggingFace trainer state', async () => {
    const state = await readTrainerState(path.join(FIXTURES, 'huggingface', 'checkpoint-500'));
    assert.equal(state?.globalStep, 500);
    assert.equal(state?.maxSteps, 1000);
    assert.equal(state?.bestMetric, 0.41);
    assert.equal(state?.bestModelCheckpoint, 'out/checkpoint-500');
    assert.equal(state?.logHistory.length, 3);
    assert.equal(state?.logHistory[2].eval_loss, 0.41);
    assert.equal(state?.save_steps, 500);
  });

  it('reads our trainer state', async () => {
    const trainerState = {
      global_step: 40, epoch: 2, max_steps: 100, log_history: [{ step: 20, loss: 0.8 }, { step: 40, loss: 0.6, eval_accuracy: 0.75 }],
      rng_state: { seed: 7 }, data_cursor: 12,
    };
    const saved = await commitFolder(dir, 'checkpoint', 40, [
      ...weightsFor(40).filter((file) => file.name !== 'backup_state.json'),
      { name: 'trainer_state.json', data: JSON.stringify(trainerState) },
    ]);

    const state = await readTrainerState(saved);
    const [info] = await listFolders(dir, 'checkpoint');

    assert.equal(state?.globalStep, 40);
    assert.deepEqual(state?.rng_state, { seed: 7 });
    assert.equal(state?.data_cursor, 12);
    assert.equal(info.loss, 0.6);
    assert.equal(info.epoch, 2);
    assert.equal(info.metrics?.eval_accuracy, 0.75);
  });

  it('explains a garbled trainer state', async () => {
    await fs.writeFile(path.join(dir, 'trainer_state.json'), '{"global_step": ');
    await assert.rejects(readTrainerState(dir), /trainer_state\.json is not valid JSON/);
    await fs.writeFile(path.join(dir, 'trainer_state.json'), '{"epoch": 1}');
    await assert.rejects(readTrainerState(dir), /no numeric "global_step"/);
    assert.equal(await readTrainerState(path.join(dir, 'missing')), undefined);
  });

  it('lists a run with sizes and dates', async () => {
    const output = path.join(dir, 'output');
    const backups = path.join(dir, 'backups');
    await commitSteps(output, 'checkpoint', [10, 20]);
    await commitSteps(backups, 'backup', [20]);
    await fs.mkdirp(path.join(output, '.tmp-checkpoint-30-1-0123abcd'));
    await fs.mkdirp(path.join(output, '.trash-checkpoint-5-1-0123abcd'));

    const run = await listRun(output, backups);

    assert.deepEqual(run.checkpoints.map((info) => info.name), ['checkpoint-10', 'checkpoint-20']);
    assert.deepEqual(run.backups.map((info) => info.name), ['model_backup_step-20']);
    const expectedSize = weightsFor(20).reduce((sum, file) => sum + Buffer.byteLength(file.data), 0);
    assert.equal(run.backups[0].sizeBytes, expectedSize);
    assert.equal(run.backups[0].loss, 1 / 21);
    assert.ok(run.backups[0].created instanceof Date);
    assert.ok(Math.abs(Date.now() - run.backups[0].created.getTime()) < 60_000);
    assert.deepEqual(run.ignored, []);
  });

  it('reads a manifest larger than 64 KiB', async () => {
    const files = Array.from({ length: 1500 }, (_, index) => ({ name: `shards/part-${index}.bin`, data: `shard ${index}` }));
    const saved = await commitFolder(dir, 'checkpoint', 5, files);
    const manifestSize = (await fs.stat(path.join(saved, 'manifest.json'))).size;

    const [info] = await listFolders(dir, 'checkpoint');

    assert.ok(manifestSize > 128 * 1024, `manifest is only ${manifestSize} bytes`);
    assert.equal(info.complete, true);
    assert.equal(info.sizeBytes, files.reduce((sum, file) => sum + Buffer.byteLength(file.data), 0));
  });

  it('returns nothing for a missing folder', async () => {
    assert.deepEqual(await listFolders(path.join(dir, 'nope'), 'backup'), []);
  });
});
