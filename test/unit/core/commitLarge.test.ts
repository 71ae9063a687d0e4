// Commit of files larger than one write chunk (32 MiB) and one hash slice (8 MiB), where writing, fsync and
// hashing run side by side.

import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'fs-extra';
import { FileToWrite, SaveError, WriteLayer, commitFolder, defaultWriteLayer, readManifest, verifyFolder } from '../../../src/core';
import { makeTempDir, namesIn } from './helpers/folders';

const MIB = 1024 * 1024;

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

// A write layer that counts its calls and fails the call that would pass `failAfterBytes`.
function countingLayer(failAfterBytes = Number.POSITIVE_INFINITY) {
  const counts = { calls: 0, maxBytesPerCall: 0 };
  let written = 0;
  const layer: WriteLayer = {
    async write(handle, data) {
      counts.calls++;
      counts.maxBytesPerCall = Math.max(counts.maxBytesPerCall, data.length);
      if (written + data.length > failAfterBytes) {
        throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
      }
      await defaultWriteLayer.write(handle, data);
      written += data.length;
    },
  };
  return { layer, counts };
}

describe('core commit of large files', () => {
  let dir: string;
  const large = randomBytes(32 * MIB + 3);
  const medium = randomBytes(9 * MIB);

  beforeEach(async () => { dir = await makeTempDir(); });
  afterEach(async () => { await fs.remove(dir); });

  it('records hashes across chunk boundaries', async () => {
    const files: FileToWrite[] = [
      { name: 'weights.bin', data: large },
      { name: 'optimizer.bin', data: medium },
      { name: 'empty.bin', data: new Uint8Array(0) },
    ];
    const { layer, counts } = countingLayer();
    const saved = await commitFolder(dir, 'checkpoint', 7, files, { writeLayer: layer });
    const read = await readManifest(saved);

    assert.ok(read.state === 'ok', `manifest state is ${read.state}`);
    const entries = new Map(read.manifest.files.map((entry) => [entry.name, entry]));
    assert.equal(entries.get('weights.bin')?.sha256, sha256(large));
    assert.equal(entries.get('weights.bin')?.size, large.length);
    assert.equal(entries.get('optimizer.bin')?.sha256, sha256(medium));
    assert.equal(entries.get('empty.bin')?.sha256, sha256(new Uint8Array(0)));
    assert.ok(counts.maxBytesPerCall <= 32 * MIB, `one write call got ${counts.maxBytesPerCall} bytes`);
    assert.equal(Buffer.compare(await fs.readFile(`${saved}/weights.bin`), large), 0);
    assert.deepEqual(await verifyFolder(saved), { state: 'ok' });
  });

  it('stops a failing large file part-way', async () => {
    const { layer, counts } = countingLayer(32 * MIB + 1);
    const commit = commitFolder(dir, 'checkpoint', 8, [{ name: 'weights.bin', data: large }], { writeLayer: layer });

    await assert.rejects(commit, (error: unknown) => error instanceof SaveError && /EIO/.test(error.message));
    assert.ok(counts.calls >= 2, `the write layer was called ${counts.calls} times`);
    assert.deepEqual(await namesIn(dir), []);
  });
});
