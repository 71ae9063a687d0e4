import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { commitFolder, listFolders } from '../../../src/core';
import { runSession } from '../../../src/training/session';
import { createRecorder, makeTempDir, writeConfig } from './helpers';

describe('backup callback', function () {
  this.timeout(60000);
  let dir: string;

  before(() => {
    dir = makeTempDir('backup');
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('failure does not stop training', async () => {
    const configPath = writeConfig(dir, { maxSteps: 30, saveStrategy: 'steps', saveSteps: 10 });
    const backupDir = path.join(dir, 'backups');
    const recorder = createRecorder();

    const result = await runSession({
      mode: 'train',
      configPath,
      reporter: recorder.report,
      callbacks: [
        {
          // Replace the backup folder with a file once training runs, so every backup commit fails.
          onTrainBegin: () => {
            fs.rmSync(backupDir, { recursive: true, force: true });
            fs.writeFileSync(backupDir, 'not a folder');
          },
        },
      ],
    });

    assert.equal(result.reason, 'completed');
    assert.equal(result.step, 30);
    const errors = recorder.ofType('error');
    assert.equal(errors.length, 3);
    for (const error of errors) {
      assert.equal(error.fatal, false);
      assert.match(error.message, /^Backup step \d+ failed: .*Training goes on; earlier backups are untouched\.$/);
    }
    assert.deepEqual(recorder.ofType('saved').map((saved) => saved.kind), ['checkpoint', 'checkpoint', 'checkpoint']);
    const checkpoints = await listFolders(path.join(dir, 'output'), 'checkpoint');
    assert.deepEqual(checkpoints.map((folder) => folder.step), [10, 20, 30]);
  });
});

describe('background checkpoint save', function () {
  this.timeout(60000);
  let dir: string;

  before(() => {
    dir = makeTempDir('save');
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('failure is reported and overwrites nothing', async () => {
    const configPath = writeConfig(dir, { maxSteps: 30, saveStrategy: 'steps', saveSteps: 10 });
    const blocking = path.join(dir, 'output', 'checkpoint-20');
    const recorder = createRecorder();

    const result = await runSession({
      mode: 'train',
      configPath,
      reporter: recorder.report,
      callbacks: [
        {
          // A complete folder with other content under the name of the step-20 checkpoint makes that commit fail.
          onTrainBegin: async () => {
            await commitFolder(path.join(dir, 'output'), 'checkpoint', 20, [{ name: 'notes.txt', data: 'keep me' }]);
          },
        },
      ],
    });

    assert.equal(result.reason, 'completed');
    const errors = recorder.ofType('error');
    assert.equal(errors.length, 1);
    assert.equal(errors[0].fatal, false);
    assert.match(errors[0].message, /^Saving checkpoint step 20 failed: .*Earlier checkpoints are untouched\.$/);
    assert.equal(fs.readFileSync(path.join(blocking, 'notes.txt'), 'utf8'), 'keep me');
    assert.deepEqual(fs.readdirSync(blocking).sort(), ['manifest.json', 'notes.txt']);

    const saved = recorder.ofType('saved').map((message) => `${message.kind}-${message.step}`);
    assert.deepEqual(saved, ['checkpoint-10', 'backup-10', 'checkpoint-30', 'backup-30']);
    const leftovers = fs.readdirSync(path.join(dir, 'output')).filter((name) => name.startsWith('.tmp-'));
    assert.deepEqual(leftovers, []);
    const listed = await listFolders(path.join(dir, 'output'), 'checkpoint');
    assert.deepEqual(listed.map((folder) => folder.step), [10, 20, 30]);
  });
});
