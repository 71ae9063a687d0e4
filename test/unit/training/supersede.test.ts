import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { verifyFolder } from '../../../src/core';
import { runSession } from '../../../src/training/session';
import { createRecorder, makeTempDir, repoRoot, writeConfig } from './helpers';

const huggingFaceCheckpoint = path.join(repoRoot, 'test/fixtures/huggingface/checkpoint-500');
const cliEntry = path.join(repoRoot, 'dist/cli.js');

/** Every file under `dir`, as a map from relative path to contents. */
function readTree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) {
      const file = path.join(entry.parentPath, entry.name);
      files.set(path.relative(dir, file), fs.readFileSync(file));
    }
  }
  return files;
}

function supersededDirs(parentDir: string): string[] {
  return fs.readdirSync(parentDir).filter((name) => name.startsWith('superseded-')).map((name) => path.join(parentDir, name));
}

async function train(mode: 'train' | 'resume' | 'restore', configPath: string, from?: string) {
  const recorder = createRecorder();
  const result = await runSession({ mode, configPath, from, reporter: recorder.report });
  return { recorder, result };
}

describe('restart from an older step', function () {
  this.timeout(120000);
  const dirs: string[] = [];
  after(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  /** Trains 30 steps with a checkpoint and a backup every 10, and returns the run's folders. */
  async function finishedRun(name: string) {
    const dir = makeTempDir(name);
    dirs.push(dir);
    const configPath = writeConfig(dir, { maxSteps: 30, saveStrategy: 'steps', saveSteps: 10 });
    const first = await train('train', configPath);
    assert.equal(first.result.step, 30);
    return { configPath, outputDir: path.join(dir, 'output'), backupDir: path.join(dir, 'backups') };
  }

  it('restore moves later folders aside', async () => {
    const run = await finishedRun('restore-later');
    const pinMarker = path.join(run.backupDir, '.pinned-model_backup_step-30');
    fs.writeFileSync(pinMarker, '');
    const oldCheckpoint = readTree(path.join(run.outputDir, 'checkpoint-30'));
    const oldBackup = readTree(path.join(run.backupDir, 'model_backup_step-30'));

    const restored = await train('restore', run.configPath, path.join(run.backupDir, 'model_backup_step-20'));

    assert.equal(restored.result.reason, 'completed');
    assert.equal(restored.result.step, 30);
    assert.equal(restored.result.failedSaves, 0);
    assert.deepEqual(restored.recorder.ofType('error'), []);
    assert.equal((await verifyFolder(path.join(run.outputDir, 'checkpoint-30'))).state, 'ok');
    assert.equal((await verifyFolder(path.join(run.backupDir, 'model_backup_step-30'))).state, 'ok');
    assert.deepEqual(restored.recorder.ofType('saved').map((saved) => `${saved.kind} ${saved.step}`), ['checkpoint 30', 'backup 30']);

    const [checkpointsAside] = supersededDirs(run.outputDir);
    const [backupsAside] = supersededDirs(run.backupDir);
    assert.deepEqual(fs.readdirSync(checkpointsAside), ['checkpoint-30']);
    assert.deepEqual(fs.readdirSync(backupsAside).sort(), ['.pinned-model_backup_step-30', 'model_backup_step-30']);
    assert.deepEqual(readTree(path.join(checkpointsAside, 'checkpoint-30')), oldCheckpoint);
    assert.deepEqual(readTree(path.join(backupsAside, 'model_backup_step-30')), oldBackup);
    assert.equal(fs.existsSync(pinMarker), false);
    for (const name of ['checkpoint-10', 'checkpoint-20']) {
      assert.ok(fs.existsSync(path.join(run.outputDir, name)), `${name} is gone`);
    }
    for (const name of ['model_backup_step-10', 'model_backup_step-20']) {
      assert.ok(fs.existsSync(path.join(run.backupDir, name)), `${name} is gone`);
    }

    const [warning] = restored.recorder.ofType('warning');
    assert.ok(warning, 'no warning about the moved folders');
    assert.ok(warning.message.includes(`checkpoint-30 to ${checkpointsAside}`), warning.message);
    assert.ok(warning.message.includes(`model_backup_step-30 to ${backupsAside}`), warning.message);
    assert.ok(restored.recorder.ofType('log').some((log) => log.level === 'warn' && log.message === warning.message));
  });

  it('resume of an older checkpoint moves later folders', async () => {
    const run = await finishedRun('resume-older');
    const oldCheckpoints = ['checkpoint-20', 'checkpoint-30'].map((name) => readTree(path.join(run.outputDir, name)));

    const resumed = await train('resume', run.configPath, path.join(run.outputDir, 'checkpoint-10'));

    assert.equal(resumed.result.step, 30);
    assert.equal(resumed.result.failedSaves, 0);
    assert.deepEqual(resumed.recorder.ofType('error'), []);
    assert.deepEqual(resumed.recorder.ofType('saved').map((saved) => `${saved.kind} ${saved.step}`), [
      'checkpoint 20', 'backup 20', 'checkpoint 30', 'backup 30',
    ]);
    const [checkpointsAside] = supersededDirs(run.outputDir);
    const [backupsAside] = supersededDirs(run.backupDir);
    assert.deepEqual(fs.readdirSync(checkpointsAside).sort(), ['checkpoint-20', 'checkpoint-30']);
    assert.deepEqual(fs.readdirSync(backupsAside).sort(), ['model_backup_step-20', 'model_backup_step-30']);
    assert.deepEqual(readTree(path.join(checkpointsAside, 'checkpoint-20')), oldCheckpoints[0]);
    assert.deepEqual(readTree(path.join(checkpointsAside, 'checkpoint-30')), oldCheckpoints[1]);
    for (const name of ['checkpoint-10', 'checkpoint-20', 'checkpoint-30']) {
      assert.equal((await verifyFolder(path.join(run.outputDir, name))).state, 'ok', name);
    }
  });

  it('resume of the newest moves nothing', async () => {
    const run = await finishedRun('resume-newest');
    fs.writeFileSync(run.configPath, JSON.stringify({ ...JSON.parse(fs.readFileSync(run.configPath, 'utf8')), maxSteps: 40 }));

    const resumed = await train('resume', run.configPath);

    assert.equal(resumed.result.step, 40);
    assert.deepEqual(resumed.recorder.ofType('warning'), []);
    assert.deepEqual(supersededDirs(run.outputDir), []);
    assert.deepEqual(supersededDirs(run.backupDir), []);
  });

  it('failed save is not a normal finish', async () => {
    const run = await finishedRun('failed-save');
    // A HuggingFace folder is never moved, so the save of checkpoint-30 collides with it.
    fs.rmSync(path.join(run.outputDir, 'checkpoint-30'), { recursive: true });
    fs.cpSync(huggingFaceCheckpoint, path.join(run.outputDir, 'checkpoint-30'), { recursive: true });
    const foreign = readTree(path.join(run.outputDir, 'checkpoint-30'));

    const resumed = await train('resume', run.configPath, path.join(run.outputDir, 'checkpoint-20'));

    assert.equal(resumed.result.failedSaves, 1);
    const [finished] = resumed.recorder.ofType('finished');
    assert.equal(finished.failedSaves, 1);
    const errors = resumed.recorder.ofType('error');
    assert.equal(errors.length, 1);
    assert.equal(errors[0].fatal, false);
    assert.match(errors[0].message, /^Saving checkpoint step 30 failed: /);
    const logs = resumed.recorder.ofType('log').map((log) => log.message);
    assert.ok(logs.includes('Training ended at step 30, but 1 checkpoint save(s) failed, so the newest checkpoint may be older than step 30. See the errors above.'));
    assert.ok(!logs.includes('Training finished at step 30.'));
    assert.deepEqual(readTree(path.join(run.outputDir, 'checkpoint-30')), foreign);
  });

  it('CLI exits 1 after a failed save', async () => {
    assert.ok(fs.existsSync(cliEntry), `${cliEntry} is missing: run "npm run build" first`);
    const run = await finishedRun('failed-save-cli');
    fs.rmSync(path.join(run.outputDir, 'checkpoint-30'), { recursive: true });
    fs.cpSync(huggingFaceCheckpoint, path.join(run.outputDir, 'checkpoint-30'), { recursive: true });

    const code = await new Promise<number | null>((resolve) => {
      const child = execFile(process.execPath, [cliEntry, 'resume', run.configPath, '--from', path.join(run.outputDir, 'checkpoint-20')]);
      child.on('exit', resolve);
    });

    assert.equal(code, 1);
  });
});
