import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listFolders, verifyFolder } from '../../../src/core';
import { createFolderWriter } from '../../../src/training/folder-writer';
import { makeTempDir } from './helpers';

describe('folder writer', function () {
  this.timeout(30000);
  let dir: string;

  beforeEach(() => {
    dir = makeTempDir('writer');
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const mode of ['worker', 'inline'] as const) {
    it(`${mode} commits and rotates`, async () => {
      const writer = createFolderWriter(mode === 'worker' ? undefined : path.join(dir, 'missing-worker.js'));
      assert.equal(writer.inWorker, mode === 'worker');
      try {
        const results = [];
        for (const step of [1, 2, 3]) {
          results.push(
            await writer.commitAndRotate({
              parentDir: dir,
              kind: 'backup',
              step,
              files: [{ name: 'weights.bin', data: new Uint8Array([step, 2, 3]) }],
              rotation: { keepNewest: 2 },
            }),
          );
        }
        assert.deepEqual(results.map((result) => path.basename(result.path)), ['model_backup_step-1', 'model_backup_step-2', 'model_backup_step-3']);
        assert.deepEqual(results[2].deleted, [path.join(dir, 'model_backup_step-1')]);
        assert.deepEqual((await listFolders(dir, 'backup')).map((folder) => folder.step), [2, 3]);
        assert.deepEqual(await verifyFolder(results[2].path), { state: 'ok' });
      } finally {
        await writer.close();
      }
    });
  }

  it('worker passes commit errors back', async () => {
    const writer = createFolderWriter();
    try {
      const job = { parentDir: dir, kind: 'backup' as const, step: 1, files: [{ name: '../escape.bin', data: 'x' }] };
      await assert.rejects(writer.commitAndRotate(job), /^Error: Invalid file to save: /);
    } finally {
      await writer.close();
    }
  });
});
