import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { listFolders, verifyFolder } from '../../../src/core';
import { runSession } from '../../../src/training/session';
import { createRecorder, makeTempDir, repoRoot, trainSession } from './helpers';

/** Writes the demo's training.json into a new folder under `root` with `overrides`, and returns its path. */
function writeDemoConfig(root: string, name: string, overrides: Record<string, unknown>): string {
  const demo = JSON.parse(fs.readFileSync(path.join(repoRoot, 'examples/spam/training.json'), 'utf8')) as Record<string, unknown>;
  const runDir = path.join(root, name);
  fs.mkdirSync(runDir);
  const configPath = path.join(runDir, 'training.json');
  fs.writeFileSync(configPath, JSON.stringify({ ...demo, $schema: undefined, ...overrides }));
  return configPath;
}


describe('spam demo', function () {
  this.timeout(180000);
  let dir: string;

  before(() => {
    dir = makeTempDir('demo');
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('backup loads with tf.loadLayersModel', async () => {
    const configPath = writeDemoConfig(dir, 'load', { maxSteps: 50, backend: 'wasm' });
    await trainSession('train', configPath);
    const backup = path.join(path.dirname(configPath), 'backups', 'model_backup_step-50');
    const modelJson = JSON.parse(fs.readFileSync(path.join(backup, 'model.json'), 'utf8'));
    const weights = fs.readFileSync(path.join(backup, 'weights.bin'));

    const model = await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest[0].weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }));

    assert.equal(model.layers[0].getClassName(), 'BagOfWordsDense');
    const prediction = tf.tidy(() => model.predict(tf.tensor2d([[0, 1, 2, -1]], [1, 4], 'int32')) as tf.Tensor);
    const [probability] = prediction.dataSync();
    assert.ok(probability > 0, `prediction ${probability} is not above 0`);
    assert.ok(probability < 1, `prediction ${probability} is not below 1`);
    tf.dispose([prediction]);
    model.dispose();
  });

  it('resume is bit-identical on wasm', async () => {
    const overrides = { maxSteps: 120, saveStrategy: 'no', metricForBestModel: undefined, backend: 'wasm' };
    const straight = await trainSession('train', writeDemoConfig(dir, 'straight', overrides));
    const splitConfig = writeDemoConfig(dir, 'split', overrides);
    const first = await trainSession('train', splitConfig, { stopAt: 70 });
    assert.equal(first.result.step, 70);

    const second = await trainSession('resume', splitConfig);

    assert.equal(second.result.step, 120);
    assert.ok(second.finalWeights.length > 0, 'no weights were captured');
    assert.ok(second.finalWeights.equals(straight.finalWeights), 'resumed weights differ from uninterrupted training');
  });

  it('restore of an older backup reaches the end', async () => {
    const configPath = writeDemoConfig(dir, 'restore', { maxSteps: 150, metricForBestModel: undefined, backend: 'wasm' });
    const runDir = path.dirname(configPath);
    await trainSession('train', configPath);

    const restored = await trainSession('restore', configPath, { from: path.join(runDir, 'backups', 'model_backup_step-100') });

    assert.equal(restored.result.reason, 'completed');
    assert.equal(restored.result.step, 150);
    assert.equal(restored.result.failedSaves, 0);
    assert.deepEqual(restored.recorder.ofType('error'), []);
    assert.ok(restored.result.metrics.eval_accuracy >= 0.9, `held-out accuracy ${restored.result.metrics.eval_accuracy} is below 0.9`);
    assert.equal((await verifyFolder(path.join(runDir, 'output', 'checkpoint-150'))).state, 'ok');
    assert.equal((await verifyFolder(path.join(runDir, 'backups', 'model_backup_step-150'))).state, 'ok');
    const aside = fs.readdirSync(path.join(runDir, 'output')).filter((name) => name.startsWith('superseded-'));
    assert.equal(aside.length, 1);
    assert.deepEqual(fs.readdirSync(path.join(runDir, 'output', aside[0])), ['checkpoint-150']);
  });

  it('reaches 98% held-out accuracy within limits', async () => {
    const demo = JSON.parse(fs.readFileSync(path.join(repoRoot, 'examples/spam/training.json'), 'utf8')) as Record<string, unknown>;
    fs.mkdirSync(path.join(dir, 'full'));
    const configPath = path.join(dir, 'full', 'training.json');
    const saveTotalLimit = 2;
    const totalBackupLimit = 3;
    fs.writeFileSync(
      configPath,
      JSON.stringify({ ...demo, $schema: undefined, metricForBestModel: undefined, saveSteps: 100, saveTotalLimit, totalBackupLimit, backend: 'wasm' }),
    );

    const recorder = createRecorder();
    const result = await runSession({ mode: 'train', configPath, reporter: recorder.report });

    assert.equal(result.reason, 'completed');
    assert.ok(result.metrics.eval_accuracy >= 0.98, `held-out accuracy ${result.metrics.eval_accuracy} is below 0.98`);
    assert.deepEqual(recorder.ofType('error'), []);
    assert.equal(recorder.ofType('started')[0].backend, 'wasm');

    const checkpoints = await listFolders(path.join(dir, 'full', 'output'), 'checkpoint');
    const backups = await listFolders(path.join(dir, 'full', 'backups'), 'backup');
    assert.deepEqual(checkpoints.map((folder) => folder.step), [400, result.step]);
    assert.equal(backups.length, totalBackupLimit);
    assert.equal(backups[backups.length - 1].step, result.step);

    const backupFiles = fs.readdirSync(backups[0].path).sort();
    assert.deepEqual(backupFiles.filter((name) => name !== 'manifest.json'), ['backup_state.json', 'model.json', 'tokenizer.json', 'weights.bin']);
    const checkpointFiles = fs.readdirSync(checkpoints[0].path);
    for (const name of ['optimizer.json', 'optimizer.bin', 'trainer_state.json', 'tokenizer.json', 'training_args.json']) {
      assert.ok(checkpointFiles.includes(name), `checkpoint lacks ${name}`);
    }
  });
});
