import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as fs from 'fs-extra';
import { listFolders, listSuperseded, setPinned, supersedeFoldersAfter, supersededName } from '../../../src/core';
import { FIXTURES, commitSteps, makeTempDir, namesIn } from './helpers/folders';

/** Reads every file under `dir` into a map from relative path to contents. */
async function readTree(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) {
      const file = path.join(entry.parentPath, entry.name);
      files.set(path.relative(dir, file), await fs.readFile(file));
    }
  }
  return files;
}

describe('core supersede', () => {
  let dir: string;
  beforeEach(async () => { dir = await makeTempDir(); });
  afterEach(async () => { await fs.remove(dir); });

  it('moves later folders with their pins', async () => {
    await commitSteps(dir, 'checkpoint', [50, 100, 150, 200]);
    await fs.mkdir(path.join(dir, 'checkpoint-250')); // an interrupted save of ours: no manifest
    await setPinned(path.join(dir, 'checkpoint-150'), true);
    const before150 = await readTree(path.join(dir, 'checkpoint-150'));
    const before200 = await readTree(path.join(dir, 'checkpoint-200'));
    const now = new Date('2026-12-04T21:05:09.123Z');

    const result = await supersedeFoldersAfter(dir, 100, ['checkpoint'], { now });

    const expectedDir = path.join(dir, 'superseded-2026-12-04T21-05-09-123Z');
    assert.equal(result.supersededDir, expectedDir);
    assert.deepEqual(result.moved, ['checkpoint-150', 'checkpoint-200', 'checkpoint-250']);
    assert.deepEqual(await namesIn(dir), ['checkpoint-100', 'checkpoint-50', 'superseded-2026-12-04T21-05-09-123Z']);
    assert.deepEqual(await namesIn(expectedDir), ['.pinned-checkpoint-150', 'checkpoint-150', 'checkpoint-200', 'checkpoint-250']);
    assert.deepEqual(await readTree(path.join(expectedDir, 'checkpoint-150')), before150);
    assert.deepEqual(await readTree(path.join(expectedDir, 'checkpoint-200')), before200);
    assert.deepEqual((await listFolders(dir, 'checkpoint')).map((info) => info.step), [50, 100]);
  });

  it('leaves HuggingFace, other kinds and exceptions', async () => {
    await fs.copy(path.join(FIXTURES, 'huggingface', 'checkpoint-500'), path.join(dir, 'checkpoint-500'));
    await commitSteps(dir, 'backup', [300]);
    await commitSteps(dir, 'checkpoint', [100, 400]);
    await fs.mkdir(path.join(dir, 'checkpoint-0400')); // a foreign name: leading zero

    const result = await supersedeFoldersAfter(dir, 100, ['checkpoint'], { except: [path.join(dir, 'checkpoint-400')] });

    assert.deepEqual(result, { moved: [] });
    assert.deepEqual(await namesIn(dir), ['checkpoint-0400', 'checkpoint-100', 'checkpoint-400', 'checkpoint-500', 'model_backup_step-300']);
  });

  it('picks a new name in the same millisecond', async () => {
    const now = new Date('2026-12-04T21:05:09.123Z');
    await commitSteps(dir, 'checkpoint', [200]);
    const first = await supersedeFoldersAfter(dir, 100, ['checkpoint'], { now });
    await commitSteps(dir, 'checkpoint', [200]);
    const second = await supersedeFoldersAfter(dir, 100, ['checkpoint'], { now });

    assert.equal(path.basename(first.supersededDir ?? ''), supersededName(now));
    assert.equal(path.basename(second.supersededDir ?? ''), `${supersededName(now)}-2`);
    assert.deepEqual(await namesIn(first.supersededDir ?? ''), ['checkpoint-200']);
    assert.deepEqual(await namesIn(second.supersededDir ?? ''), ['checkpoint-200']);
  });

  it('moves nothing in a missing folder', async () => {
    const result = await supersedeFoldersAfter(path.join(dir, 'missing'), 0, ['checkpoint', 'backup']);

    assert.deepEqual(result, { moved: [] });
    assert.equal(await fs.pathExists(path.join(dir, 'missing')), false);
  });

  it('lists superseded folders newest first', async () => {
    const older = new Date('2026-12-04T20:00:00.000Z');
    const newer = new Date('2026-12-04T21:05:09.123Z');
    await commitSteps(dir, 'checkpoint', [100, 200]);
    await commitSteps(dir, 'backup', [200]);
    await supersedeFoldersAfter(dir, 100, ['checkpoint', 'backup'], { now: older });
    await commitSteps(dir, 'checkpoint', [300]);
    await supersedeFoldersAfter(dir, 100, ['checkpoint'], { now: newer });
    await commitSteps(dir, 'checkpoint', [300]);
    await supersedeFoldersAfter(dir, 100, ['checkpoint'], { now: newer });
    await fs.writeFile(path.join(dir, 'superseded-notes.txt'), 'a file, not a folder');
    await fs.mkdir(path.join(dir, 'other-2026-12-04T22-00-00-000Z'));

    const listed = await listSuperseded(dir);

    assert.deepEqual(listed.map((item) => item.name), [`${supersededName(newer)}-2`, supersededName(newer), supersededName(older)]);
    assert.equal(listed[0].path, path.join(dir, `${supersededName(newer)}-2`));
    assert.equal(listed[0].created?.toISOString(), newer.toISOString());
    assert.equal(listed[2].created?.toISOString(), older.toISOString());
    assert.deepEqual(listed[2].folders.map((info) => `${info.kind}:${info.step}`), ['checkpoint:200', 'backup:200']);
    assert.equal(listed[2].folders[0].path, path.join(listed[2].path, 'checkpoint-200'));
    assert.equal(listed[2].folders[0].complete, true);
    assert.deepEqual(listed[0].folders.map((info) => info.name), ['checkpoint-300']);
  });

  it('lists a folder without a time last', async () => {
    await commitSteps(dir, 'checkpoint', [200]);
    await supersedeFoldersAfter(dir, 100, ['checkpoint'], { now: new Date('2026-01-01T00:00:00.000Z') });
    await fs.mkdir(path.join(dir, 'superseded-by-hand'));

    const listed = await listSuperseded(dir);

    assert.deepEqual(listed.map((item) => item.name), ['superseded-2026-01-01T00-00-00-000Z', 'superseded-by-hand']);
    assert.equal(listed[1].created, undefined);
    assert.deepEqual(listed[1].folders, []);
  });

  it('lists nothing in a missing folder', async () => {
    assert.deepEqual(await listSuperseded(path.join(dir, 'missing')), []);
  });
});
