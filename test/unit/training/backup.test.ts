import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listFolders } from '../../../src/core';
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
