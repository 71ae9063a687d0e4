import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import * as fs from 'fs-extra';
import { Verification, commitFolder, latestValid, listFolders, rotate, verifyFolder } from '../../../src/core';
import { makeTempDir, weightsFor } from './helpers/folders';

function reasonOf(result: Verification): string {
  return 'reason' in result ? result.reason : '';
}

function fileOf(result: Verification): string | undefined {
  return result.state === 'corrupt' ? result.file : undefined;
}

describe('core verify', () => {
  let dir: string;
  beforeEach(async () => { dir = await makeTempDir(); });
  afterEach(async () => { await fs.remove(dir); });

  it('reports ok for a committed folder', async () => {
    const saved = await commitFolder(dir, 'backup', 100, weightsFor(100));
    assert.deepEqual(await verifyFolder(saved), { state: 'ok' });
  });

  it('names a file with one byte flipped', async () => {
    const saved = await commitFolder(dir, 'checkpoint', 100, weightsFor(100));
    const file = path.join(saved, 'weights.bin');
    const bytes = await fs.readFile(file);
    bytes[2000] ^= 0x01;
    await fs.writeFile(file, bytes);

    const result = await verifyFolder(saved);

    assert.equal(result.state, 'corrupt');
    assert.equal(fileOf(result), 'weights.bin');
    assert.match(reasonOf(result), /sha256/);
  });

  it('names a truncated or missing file', async () => {
    const saved = await commitFolder(dir, 'checkpoint', 100, weightsFor(100));
    await fs.truncate(path.join(saved, 'weights.bin'), 10);
    assert.deepEqual(await verifyFolder(saved), { state: 'corrupt', file: 'weights.bin', reason: 'size is 10 bytes, the manifest says 4096' });
    await fs.remove(path.join(saved, 'model.json'));
    assert.deepEqual(await verifyFolder(saved), { state: 'corrupt', file: 'model.json', reason: 'the file is missing' });
  });

  it('never reads a manifest path outside', async function () {
    const run = path.join(dir, 'run');
    const saved = await commitFolder(run, 'checkpoint', 100, weightsFor(100));
    // Opening a FIFO for reading blocks until a writer appears, so a read would time this test out.
    const outside = path.join(run, 'x');
    execFileSync('mkfifo', [outside]);
    const manifestFile = path.join(saved, 'manifest.json');
    const manifest = await fs.readJson(manifestFile);
    manifest.files.push({ name: '../x', size: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' });
    await fs.writeJson(manifestFile, manifest);

    const result = await verifyFolder(saved);
    const deleted = await rotate(run, 'checkpoint', { keepNewest: 1 });

    assert.equal(result.state, 'corrupt');
    assert.equal(fileOf(result), '../x');
    assert.match(reasonOf(result), /unsafe path/);
    assert.deepEqual(deleted, []);
    assert.ok((await fs.lstat(outside)).isFIFO());
  });

  it('rejects absolute manifest paths', async () => {
    const saved = await commitFolder(dir, 'checkpoint', 100, weightsFor(100));
    const manifestFile = path.join(saved, 'manifest.json');
    const manifest = await fs.readJson(manifestFile);
    manifest.files[0].name = '/etc/passwd';
    await fs.writeJson(manifestFile, manifest);
    const result = await verifyFolder(saved);
    assert.equal(result.state, 'corrupt');
    assert.match(reasonOf(result), /absolute path/);
  });

  it('calls empty or garbled manifests incomplete', async () => {
    const saved = await commitFolder(dir, 'checkpoint', 100, weightsFor(100));
    const manifestFile = path.join(saved, 'manifest.json');

    await fs.writeFile(manifestFile, '');
    const empty = await verifyFolder(saved);
    await fs.writeFile(manifestFile, '{"kind": "checkpoint", "st');
    const garbled = await verifyFolder(saved);
    const listed = await listFolders(dir, 'checkpoint');

    assert.equal(empty.state, 'incomplete');
    assert.match(reasonOf(empty), /empty/);
    assert.equal(garbled.state, 'incomplete');
    assert.match(reasonOf(garbled), /not valid JSON/);
    assert.equal(listed[0].complete, false);
    assert.match(listed[0].problem ?? '', /not valid JSON/);
  });

  it('detects any changed manifest byte', async () => {
    const saved = await commitFolder(dir, 'checkpoint', 100, weightsFor(100), { meta: { eval_loss: 0.25 } });
    const manifestFile = path.join(saved, 'manifest.json');
    const original = await fs.readFile(manifestFile, 'utf8');
    const edits: Array<[string, string]> = [
      ['"eval_loss": 0.25', '"eval_loss": 0.15'],
      ['\n  "kind"', '\n\t "kind"'],
      ['"created": "2', '"created": "1'],
    ];

    for (const [from, to] of edits) {
      assert.ok(original.includes(from), from);
      await fs.writeFile(manifestFile, original.replace(from, to));
      const result = await verifyFolder(saved);
      assert.equal(result.state, 'corrupt', from);
      assert.equal(fileOf(result), 'manifest.json', from);
      assert.match(reasonOf(result), /manifestSha256/, from);
    }
    await fs.writeFile(manifestFile, original);
    assert.deepEqual(await verifyFolder(saved), { state: 'ok' });
  });

  it('reports a manifest copied to another step', async () => {
    const saved = await commitFolder(dir, 'checkpoint', 100, weightsFor(100));
    const renamed = path.join(dir, 'checkpoint-200');
    await fs.rename(saved, renamed);
    const result = await verifyFolder(renamed);
    assert.equal(result.state, 'corrupt');
    assert.equal(fileOf(result), 'manifest.json');
  });

  it('finds latest valid past a corrupt one', async () => {
    await commitFolder(dir, 'checkpoint', 100, weightsFor(100));
    const newest = await commitFolder(dir, 'checkpoint', 200, weightsFor(200));
    await fs.appendFile(path.join(newest, 'weights.bin'), 'x');
    const latest = await latestValid(dir, 'checkpoint');
    assert.equal(latest?.step, 100);
    assert.deepEqual(latest?.verification, { state: 'ok' });
  });

  it('streams a large file with a small buffer', async () => {
    const saved = await commitFolder(dir, 'checkpoint', 1, [{ name: 'weights.bin', data: Buffer.alloc(20 * 1024 * 1024, 7) }]);
    const before = process.memoryUsage().arrayBuffers;
    const result = await verifyFolder(saved);
    const growth = process.memoryUsage().arrayBuffers - before;
    assert.deepEqual(result, { state: 'ok' });
    assert.ok(growth < 12 * 1024 * 1024, `buffers grew by ${growth} bytes while verifying a 20 MiB file`);
  });
});
