import * as assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import * as path from 'node:path';
import * as fs from 'fs-extra';
import {
  FolderExistsError, SaveError, WriteLayer, cleanStaleTemp, commitFolder, defaultWriteLayer,
  deleteFolder, listFolders, readManifest, saveAndRotate, verifyFolder,
} from '../../../src/core';
import { commitSteps, makeTempDir, namesIn, weightsFor } from './helpers/folders';

function failingAfter(bytes: number, code: string): WriteLayer {
  let written = 0;
  return {
    async write(handle, data) {
      if (written + data.length > bytes) {
        await defaultWriteLayer.write(handle, data.subarray(0, Math.max(0, bytes - written)));
        throw Object.assign(new Error(`${code}: no space left on device, write`), { code });
      }
      written += data.length;
      await defaultWriteLayer.write(handle, data);
    },
  };
}

describe('core commit', () => {
  let dir: string;
  beforeEach(async () => { dir = await makeTempDir(); });
  afterEach(async () => { await fs.remove(dir); });

  it('writes files and manifest last', async () => {
    const files = weightsFor(1500);
    const saved = await commitFolder(dir, 'backup', 1500, files, { meta: { eval_loss: 0.25 } });
    const read = await readManifest(saved);

    assert.equal(saved, path.join(dir, 'model_backup_step-1500'));
    assert.deepEqual(await namesIn(dir), ['model_backup_step-1500']);
    assert.deepEqual(await namesIn(saved), ['backup_state.json', 'manifest.json', 'model.json', 'weights.bin']);
    assert.equal(read.state, 'ok');
    assert.ok(read.state === 'ok');
    assert.equal(read.manifest.step, 1500);
    assert.equal(read.manifest.kind, 'backup');
    assert.deepEqual(read.manifest.files.map((file) => [file.name, file.size]),
      files.map((file) => [file.name, Buffer.byteLength(file.data)]));
    assert.equal(read.manifest.summary.epoch, 15);
    assert.equal(read.manifest.summary.loss, 1 / 1501);
    assert.equal(read.manifest.summary.metrics.eval_loss, 0.25);
  });

  it('writes nested file names', async () => {
    const saved = await commitFolder(dir, 'checkpoint', 1, [{ name: 'tokenizer/vocab.txt', data: 'a\nb\n' }]);
    assert.equal(await fs.readFile(path.join(saved, 'tokenizer', 'vocab.txt'), 'utf8'), 'a\nb\n');
    assert.deepEqual(await verifyFolder(saved), { state: 'ok' });
  });

  it('rejects unsafe or reserved file names', async () => {
    for (const name of ['../x', '/abs', 'a/../b', 'manifest.json', '', 'C:\\x']) {
      await assert.rejects(commitFolder(dir, 'checkpoint', 1, [{ name, data: 'x' }]), /Invalid file to save/, name);
    }
    assert.deepEqual(await namesIn(dir), []);
  });

  it('survives two writers via Promise.all', async () => {
    const results = await Promise.all([
      commitFolder(dir, 'checkpoint', 700, weightsFor(700)),
      commitFolder(dir, 'checkpoint', 700, weightsFor(700)),
      commitFolder(dir, 'checkpoint', 700, weightsFor(700)),
    ]);
    assert.deepEqual(results, Array(3).fill(path.join(dir, 'checkpoint-700')));
    assert.deepEqual(await namesIn(dir), ['checkpoint-700']);
    assert.deepEqual(await verifyFolder(results[0]), { state: 'ok' });
  });

  it('survives two writer processes', async () => {
    const script = path.join(__dirname, 'helpers', 'commit-child.js');
    const children = [0, 1].map(() => fork(script, [dir, '800'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    const outcomes = children.map((child) => new Promise<{ ok: boolean; path?: string; message?: string }>((resolve, reject) => {
      child.on('message', (message) => { if (message !== 'ready') resolve(message as { ok: boolean }); });
      child.on('error', reject);
    }));
    await Promise.all(children.map((child) => new Promise((resolve) => child.once('message', resolve))));
    for (const child of children) child.send('go');

    const results = await Promise.all(outcomes);

    assert.deepEqual(results, [0, 1].map(() => ({ ok: true, path: path.join(dir, 'checkpoint-800') })));
    assert.deepEqual(await namesIn(dir), ['checkpoint-800']);
    assert.deepEqual(await verifyFolder(path.join(dir, 'checkpoint-800')), { state: 'ok' });
  });

  it('keeps an existing different folder', async () => {
    const first = await commitFolder(dir, 'checkpoint', 100, weightsFor(100));
    const error = await commitFolder(dir, 'checkpoint', 100, weightsFor(101)).catch((caught: unknown) => caught);
    assert.ok(error instanceof FolderExistsError);
    assert.match(error.message, /checkpoint-100 already exists .* different content/);
    assert.deepEqual(await namesIn(dir), ['checkpoint-100']);
    assert.equal((await fs.readFile(path.join(first, 'weights.bin'))).readUInt32LE(0), 100);
  });

  it('moves an incomplete folder aside', async () => {
    const target = path.join(dir, 'checkpoint-100');
    await fs.mkdirp(target);
    await fs.writeFile(path.join(target, 'weights.bin'), 'half written');

    const saved = await commitFolder(dir, 'checkpoint', 100, weightsFor(100));

    const names = await namesIn(dir);
    assert.equal(names.length, 2);
    assert.equal(names[0], 'checkpoint-100');
    assert.match(names[1], /^checkpoint-100\.incomplete-/);
    assert.equal(await fs.readFile(path.join(dir, names[1], 'weights.bin'), 'utf8'), 'half written');
    assert.deepEqual(await verifyFolder(saved), { state: 'ok' });
  });

  it('moves a damaged equal folder aside', async () => {
    const first = await commitFolder(dir, 'checkpoint', 100, weightsFor(100));
    const weightsPath = path.join(first, 'weights.bin');
    const damaged = await fs.readFile(weightsPath);
    damaged[0] ^= 0xff;
    await fs.writeFile(weightsPath, damaged);

    const saved = await commitFolder(dir, 'checkpoint', 100, weightsFor(100));

    const names = await namesIn(dir);
    assert.equal(names.length, 2);
    assert.equal(names[0], 'checkpoint-100');
    assert.match(names[1], /^checkpoint-100\.corrupt-/);
    assert.deepEqual(await fs.readFile(path.join(dir, names[1], 'weights.bin')), damaged);
    assert.deepEqual(await verifyFolder(saved), { state: 'ok' });
  });

  it('never replaces a HuggingFace folder', async () => {
    const target = path.join(dir, 'checkpoint-100');
    await fs.mkdirp(target);
    await fs.writeFile(path.join(target, 'model.safetensors'), 'hf weights');
    await assert.rejects(commitFolder(dir, 'checkpoint', 100, weightsFor(100)), /HuggingFace output, which is never replaced/);
    assert.deepEqual(await namesIn(dir), ['checkpoint-100']);
    assert.deepEqual(await namesIn(target), ['model.safetensors']);
  });

  it('fails cleanly on ENOSPC', async () => {
    await commitSteps(dir, 'backup', [500, 1000, 1500]);
    const before = await listFolders(dir, 'backup');

    const error = await saveAndRotate(dir, 'backup', 2000, weightsFor(2000), {
      writeLayer: failingAfter(3000, 'ENOSPC'),
      rotation: { keepNewest: 1 },
    }).catch((caught: unknown) => caught);

    assert.ok(error instanceof SaveError);
    assert.match(error.message, /Failed to save model_backup_step-2000 in .*ENOSPC.*Free disk space/);
    assert.equal(error.folder, path.join(dir, 'model_backup_step-2000'));
    assert.equal((error.cause as NodeJS.ErrnoException).code, 'ENOSPC');
    assert.deepEqual(await namesIn(dir), ['model_backup_step-1000', 'model_backup_step-1500', 'model_backup_step-500']);
    assert.deepEqual(await listFolders(dir, 'backup'), before);
    for (const info of before) assert.deepEqual(await verifyFolder(info.path), { state: 'ok' });
  });

  it('fails cleanly when the manifest write fails', async () => {
    const total = weightsFor(1).reduce((sum, file) => sum + Buffer.byteLength(file.data), 0);
    await assert.rejects(commitFolder(dir, 'backup', 1, weightsFor(1), { writeLayer: failingAfter(total + 10, 'EIO') }), /EIO/);
    assert.deepEqual(await namesIn(dir), []);
  });

  it('names the save when the parent is a file', async () => {
    const parent = path.join(dir, 'not-a-folder');
    await fs.writeFile(parent, 'a file');
    const error = await commitFolder(parent, 'checkpoint', 3, weightsFor(3)).catch((caught: unknown) => caught);
    assert.ok(error instanceof SaveError);
    assert.match(error.message, /^Failed to save checkpoint-3 in .*not-a-folder: EEXIST/);
    assert.equal(await fs.readFile(parent, 'utf8'), 'a file');
  });

  it('rotates after a successful save', async () => {
    await commitSteps(dir, 'backup', [500, 1000]);
    const result = await saveAndRotate(dir, 'backup', 1500, weightsFor(1500), { rotation: { keepNewest: 2 } });
    assert.deepEqual(result.deleted, [path.join(dir, 'model_backup_step-500')]);
    assert.deepEqual(await namesIn(dir), ['model_backup_step-1000', 'model_backup_step-1500']);
  });

  it('keeps a new save below older steps', async () => {
    await commitSteps(dir, 'backup', [5000, 6000]);
    const result = await saveAndRotate(dir, 'backup', 100, weightsFor(100), { rotation: { keepNewest: 1 } });
    assert.deepEqual(result.deleted, [path.join(dir, 'model_backup_step-5000')]);
    assert.deepEqual(await namesIn(dir), ['model_backup_step-100', 'model_backup_step-6000']);
  });

  it('deletes through trash', async () => {
    const [saved] = await commitSteps(dir, 'checkpoint', [100]);
    await deleteFolder(saved);
    assert.deepEqual(await namesIn(dir), []);
    await fs.mkdirp(path.join(dir, 'runs'));
    await assert.rejects(deleteFolder(path.join(dir, 'runs')), /Refusing to delete .*runs/);
    assert.deepEqual(await namesIn(dir), ['runs']);
  });

  it('cleans stale temp but not live', async () => {
    const dead = fork('-e', [''], { execArgv: [] });
    await new Promise((resolve) => dead.on('exit', resolve));
    const stale = [`.tmp-checkpoint-5-${dead.pid}-0123abcd`, `.trash-checkpoint-4-${dead.pid}-89abcdef`];
    const live = [`.tmp-checkpoint-6-${process.pid}-0123abcd`, `.tmp-checkpoint-7-${process.ppid}-0123abcd`];
    const foreign = ['.tmp-notes', '.tmp-checkpoint-8'];
    for (const name of [...stale, ...live, ...foreign]) await fs.mkdirp(path.join(dir, name, 'sub'));

    const removed = await cleanStaleTemp(dir);

    assert.deepEqual(removed.sort(), stale.map((name) => path.join(dir, name)).sort());
    assert.deepEqual(await namesIn(dir), [...live, ...foreign].sort());
  });
});
