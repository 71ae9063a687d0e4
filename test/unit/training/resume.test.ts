import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Trainer } from '../../../src/training/trainer';
import { customRecipe, makeTempDir, trainSession as train, writeConfig } from './helpers';

/** Steps before the stop; the custom recipe has 16 steps per epoch, so the stop falls inside the second epoch. */
const half = 20;


describe('resume and restore', function () {
  this.timeout(60000);
  const dirs: string[] = [];
  const scheduled = { maxSteps: 2 * half, lrSchedule: 'linear', warmupSteps: 5 };

  after(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  function newRunDir(name: string): string {
    const dir = makeTempDir(name);
    dirs.push(dir);
    return dir;
  }

  it('resume is bit-identical on cpu', async () => {
    const straight = await train('train', writeConfig(newRunDir('straight'), scheduled));
    assert.equal(straight.result.step, 2 * half);

    const splitConfig = writeConfig(newRunDir('split'), scheduled);
    const first = await train('train', splitConfig, { stopAt: half });
    assert.equal(first.result.reason, 'stopped');
    assert.equal(first.result.step, half);
    const second = await train('resume', splitConfig);
    const [started] = second.recorder.ofType('started');
    assert.equal(started.startStep, half);
    assert.equal(started.resumedFrom?.kind, 'checkpoint');
    assert.equal(second.result.reason, 'completed');
    assert.equal(second.result.step, 2 * half);

    assert.equal(second.finalWeights.length, straight.finalWeights.length);
    assert.ok(second.finalWeights.equals(straight.finalWeights), 'resumed weights differ from uninterrupted training');
  });

  it('restore loads backup weights with a fresh optimizer', async () => {
    const dir = newRunDir('restore');
    const configPath = writeConfig(dir, { ...scheduled, saveStrategy: 'steps', saveSteps: half });
    await train('train', configPath);
    const backup = path.join(dir, 'backups', `model_backup_step-${half}`);
    assert.ok(fs.existsSync(path.join(backup, 'backup_state.json')));
    assert.ok(!fs.existsSync(path.join(backup, 'optimizer.json')), 'a backup must not hold optimizer state');

    fs.rmSync(path.join(dir, 'output'), { recursive: true });
    const backupWeights = fs.readFileSync(path.join(backup, 'weights.bin'));
    let checked = false;
    const restored = await train('restore', configPath, {
      from: backup,
      beginCheck: async (trainer) => {
        const weights = trainer.model.getWeights().map((tensor) => tensor.dataSync() as Float32Array);
        const bytes = Buffer.concat(weights.map((array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength)));
        assert.ok(bytes.equals(backupWeights), 'restored weights differ from the backup');
        assert.equal(trainer.optimizer.iterations, 0);
        assert.deepEqual(await trainer.optimizer.getWeights().then((named) => named.length), 1, 'the optimizer has slot tensors before training');
        checked = true;
      },
    });
    assert.ok(checked, 'onTrainBegin did not run');

    const [started] = restored.recorder.ofType('started');
    assert.deepEqual(started.resumedFrom, { kind: 'backup', step: half, path: backup });
    assert.equal(started.startStep, half);
    assert.equal(restored.recorder.ofType('progress')[0].step, half + 1);
    assert.equal(restored.result.step, 2 * half);
    assert.ok(restored.recorder.ofType('log').some((log) => log.message === `Restored from backup step ${half} (${backup}).`));
  });

  it('resume skips a corrupt newest checkpoint', async () => {
    const dir = newRunDir('corrupt');
    const configPath = writeConfig(dir, { maxSteps: 30, saveStrategy: 'steps', saveSteps: 10 });
    await train('train', configPath);
    const newest = path.join(dir, 'output', 'checkpoint-30');
    const weightsPath = path.join(newest, 'weights.bin');
    const bytes = fs.readFileSync(weightsPath);
    bytes[0] ^= 0xff;
    fs.writeFileSync(weightsPath, bytes);

    await assert.rejects(train('resume', configPath, { from: newest }), (error: Error) => {
      assert.match(error.message, new RegExp(`^${newest.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} cannot be used: file weights\\.bin is corrupt`));
      assert.match(error.message, /Resume from another checkpoint or restore another backup\.$/);
      return true;
    });

    fs.writeFileSync(configPath, JSON.stringify({ ...JSON.parse(fs.readFileSync(configPath, 'utf8')), maxSteps: 25 }));
    const resumed = await train('resume', configPath, { stopAt: 21 });
    const [warning, moved] = resumed.recorder.ofType('warning');
    assert.match(warning.message, /^Skipped checkpoint-30: file weights\.bin is corrupt .*Using the previous valid checkpoint\.$/);
    assert.equal(resumed.recorder.ofType('started')[0].resumedFrom?.step, 20);
    // Resuming from step 20 starts a new lineage, so the corrupt checkpoint-30 is moved aside, not deleted.
    assert.match(moved.message, /^Training restarts from step 20, so the folders of later steps were moved aside, not deleted: checkpoint-30 to /);
    const aside = fs.readdirSync(path.join(dir, 'output')).filter((name) => name.startsWith('superseded-'));
    assert.equal(aside.length, 1);
    assert.ok(fs.readFileSync(path.join(dir, 'output', aside[0], 'checkpoint-30', 'weights.bin')).equals(bytes), 'the corrupt checkpoint changed');
    assert.equal(fs.existsSync(weightsPath), false);
  });

  it('restore and resume reject work folders', async () => {
    const dir = newRunDir('work');
    const configPath = writeConfig(dir, { maxSteps: 10, saveStrategy: 'steps', saveSteps: 10 });
    await train('train', configPath);
    // Writer pid 1 is alive, so the cleanup of interrupted saves leaves both folders in place.
    const backup = path.join(dir, 'backups', '.tmp-model_backup_step-10-1-0badc0de');
    fs.cpSync(path.join(dir, 'backups', 'model_backup_step-10'), backup, { recursive: true });
    const checkpoint = path.join(dir, 'output', '.trash-checkpoint-10-1-0badc0de');
    fs.cpSync(path.join(dir, 'output', 'checkpoint-10'), checkpoint, { recursive: true });

    await assert.rejects(train('restore', configPath, { from: backup }), (error: Error) => {
      assert.ok(error.message.startsWith(`${backup} cannot be used: its name ${path.basename(backup)} is not checkpoint-N or model_backup_step-N`), error.message);
      return true;
    });
    await assert.rejects(train('resume', configPath, { from: checkpoint }), (error: Error) => {
      assert.ok(error.message.startsWith(`${checkpoint} cannot be used: its name ${path.basename(checkpoint)} is not`), error.message);
      return true;
    });
    assert.ok(fs.existsSync(backup), 'the .tmp- folder was removed');
    assert.ok(fs.existsSync(checkpoint), 'the .trash- folder was removed');
  });

  it('resume rejects changed training data', async () => {
    const dir = newRunDir('data');
    const configPath = writeConfig(dir, { maxSteps: 10, saveStrategy: 'steps', saveSteps: 10 });
    await train('train', configPath);

    const smallerRecipe = path.join(dir, 'smaller-recipe.js');
    fs.writeFileSync(smallerRecipe, fs.readFileSync(customRecipe, 'utf8').replace('makeSplit(tf, 256, 1)', 'makeSplit(tf, 240, 1)'));
    writeConfig(dir, { maxSteps: 20, recipe: smallerRecipe });
    await assert.rejects(train('resume', configPath), (error: Error) => {
      assert.match(error.message, /was saved with 256 training examples, but the data now has 240/);
      assert.match(error.message, /Restore a backup instead/);
      return true;
    });
  });

  it('resume rejects a checkpoint of another model', async () => {
    const dir = newRunDir('mismatch');
    const configPath = writeConfig(dir, { maxSteps: 10, saveStrategy: 'steps', saveSteps: 10 });
    await train('train', configPath);

    const widerRecipe = path.join(dir, 'wider-recipe.js');
    fs.writeFileSync(widerRecipe, fs.readFileSync(customRecipe, 'utf8').replace('units: 8', 'units: 12'));
    writeConfig(dir, { maxSteps: 20, recipe: widerRecipe });
    await assert.rejects(train('resume', configPath), (error: Error) => {
      assert.match(error.message, /does not match the model the training code builds: weight "hidden\/kernel" has shape \[2, 8\], but the model's ".*" has \[2, 12\]/);
      assert.match(error.message, /restore a backup made with this model or start a new run\.$/);
      return true;
    });
  });
});
