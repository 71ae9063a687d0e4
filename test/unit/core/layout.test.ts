import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as fs from 'fs-extra';
import { folderName, listFolders, listRun, parseFolderName, parseFolderNameDetailed, rotate } from '../../../src/core';
import { commitSteps, makeTempDir, namesIn } from './helpers/folders';

describe('core layout', () => {
  let dir: string;
  beforeEach(async () => { dir = await makeTempDir(); });
  afterEach(async () => { await fs.remove(dir); });

  it('builds and parses both folder kinds', () => {
    assert.equal(folderName('checkpoint', 1200), 'checkpoint-1200');
    assert.equal(folderName('backup', 1200), 'model_backup_step-1200');
    assert.deepEqual(parseFolderName('checkpoint-1200'), { kind: 'checkpoint', step: 1200 });
    assert.deepEqual(parseFolderName('model_backup_step-0'), { kind: 'backup', step: 0 });
  });

  it('treats foreign names as not ours', () => {
    for (const name of ['checkpoint-007', 'checkpoint-abc', 'checkpoint-', 'checkpoint-1.5', 'checkpoint--1',
      'Checkpoint-1', 'checkpoint-12 ', 'runs', '.tmp-checkpoint-5-123-abcdef01', 'model_backup_step-01']) {
      assert.equal(parseFolderName(name), undefined, name);
    }
  });

  it('rejects steps beyond MAX_SAFE_INTEGER', () => {
    const huge = '9007199254740993'; // 2^53 + 1 would round to 2^53 as a number
    assert.equal(parseFolderName(`checkpoint-${huge}`), undefined);
    const detailed = parseFolderNameDetailed(`checkpoint-${huge}`);
    assert.equal(detailed?.kind, 'checkpoint');
    assert.match(detailed && 'error' in detailed ? detailed.error : '', /9007199254740993.*MAX_SAFE_INTEGER/);
    assert.throws(() => folderName('checkpoint', 2 ** 53), /Invalid step 9007199254740992.*MAX_SAFE_INTEGER/);
    assert.throws(() => folderName('backup', -1), RangeError);
    assert.throws(() => folderName('backup', 1.5), RangeError);
    assert.deepEqual(parseFolderName(`checkpoint-${Number.MAX_SAFE_INTEGER}`), { kind: 'checkpoint', step: Number.MAX_SAFE_INTEGER });
  });

  it('orders steps by number', async () => {
    await commitSteps(dir, 'checkpoint', [1000, 9, 10]);
    const steps = (await listFolders(dir, 'checkpoint')).map((info) => info.step);
    assert.deepEqual(steps, [9, 10, 1000]);
  });

  it('ignores and keeps foreign names', async () => {
    await commitSteps(dir, 'checkpoint', [100, 200, 300]);
    const foreign = ['checkpoint-007', 'checkpoint-abc', 'runs', 'checkpoint-9007199254740993'];
    for (const name of foreign) await fs.mkdirp(path.join(dir, name));
    await fs.writeFile(path.join(dir, 'notes.txt'), 'my notes');
    await fs.writeFile(path.join(dir, 'checkpoint-50'), 'a file, not a folder');

    const listing = await listRun(dir, path.join(dir, 'no-backups'));
    const deleted = await rotate(dir, 'checkpoint', { keepNewest: 1 });

    assert.deepEqual(listing.checkpoints.map((info) => info.name), ['checkpoint-100', 'checkpoint-200', 'checkpoint-300']);
    assert.equal(listing.ignored?.length, 1);
    assert.match(listing.ignored![0].reason, /MAX_SAFE_INTEGER/);
    assert.deepEqual(deleted.map((item) => path.basename(item)), ['checkpoint-100', 'checkpoint-200']);
    assert.deepEqual(await namesIn(dir), [...foreign, 'checkpoint-300', 'checkpoint-50', 'notes.txt'].sort());
  });
});
