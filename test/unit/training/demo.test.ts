import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listFolders } from '../../../src/core';
import { runSession } from '../../../src/training/session';
import { createRecorder, makeTempDir, repoRoot } from './helpers';

describe('spam demo', function () {
  this.timeout(180000);
  let dir: string;

  before(() => {
    dir = makeTempDir('demo');
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reaches 98% held-out accuracy within limits', async () => {
    const demo = JSON.parse(fs.readFileSync(path.join(repoRoot, 'examples/spam/training.json'), 'utf8')) as Record<string, unknown>;
    const configPath = path.join(dir, 'training.json');
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

    const checkpoints = await listFolders(path.join(dir, 'output'), 'checkpoint');
    const backups = await listFolders(path.join(dir, 'backups'), 'backup');
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
