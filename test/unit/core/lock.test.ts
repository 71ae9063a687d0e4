import * as assert from 'node:assert/strict';
import { ChildProcess, fork } from 'node:child_process';
import * as path from 'node:path';
import * as fs from 'fs-extra';
import { LOCK_NAME, LockHeldError, acquireLock } from '../../../src/core';
import { makeTempDir } from './helpers/folders';

function startHolder(dir: string): Promise<ChildProcess> {
  const child = fork(path.join(__dirname, 'helpers', 'lock-child.js'), [dir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (message) => (message === 'locked' ? resolve(child) : reject(new Error(String(message)))));
    child.once('error', reject);
  });
}

function killAndWait(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('core lock', () => {
  let dir: string;
  let holder: ChildProcess | undefined;
  beforeEach(async () => { dir = await makeTempDir(); });
  afterEach(async () => {
    if (holder) await killAndWait(holder);
    holder = undefined;
    await fs.remove(dir);
  });

  it('rejects a second writer', async () => {
    holder = await startHolder(dir);
    const error = await acquireLock(dir).catch((caught: unknown) => caught);
    assert.ok(error instanceof LockHeldError);
    assert.equal(error.pid, holder.pid);
    assert.match(error.message, new RegExp(`in use by process ${holder.pid} on .*lock test child`));
  });

  it('takes over a killed holder', async () => {
    holder = await startHolder(dir);
    await killAndWait(holder);

    const lock = await acquireLock(dir, 'second');
    const record = await fs.readJson(path.join(dir, LOCK_NAME));
    await lock.release();

    assert.equal(record.pid, process.pid);
    assert.equal(record.owner, 'second');
    assert.equal(await fs.pathExists(path.join(dir, LOCK_NAME)), false);
  });

  it('locks within one process', async () => {
    const first = await acquireLock(dir);
    await assert.rejects(acquireLock(dir), LockHeldError);
    await first.release();
    const second = await acquireLock(dir);
    await second.release();
  });

  it('release keeps a newer lock', async () => {
    const first = await acquireLock(dir);
    await fs.remove(path.join(dir, LOCK_NAME));
    const second = await acquireLock(dir, 'newer');
    await first.release();
    assert.equal((await fs.readJson(path.join(dir, LOCK_NAME))).owner, 'newer');
    await second.release();
  });

  it('recovers from a takeover cut short', async () => {
    holder = await startHolder(dir);
    await killAndWait(holder);
    // A taker killed between creating the guard folder and writing its pid leaves an empty guard.
    await fs.mkdir(path.join(dir, `${LOCK_NAME}.takeover`));

    const started = Date.now();
    const lock = await acquireLock(dir, 'after crash');
    const waitedMs = Date.now() - started;
    await lock.release();

    assert.ok(waitedMs < 4000, `waited ${waitedMs} ms for a guard left by a dead taker`);
    assert.equal(await fs.pathExists(path.join(dir, `${LOCK_NAME}.takeover`)), false);
  });

  it('explains an unusable folder', async () => {
    const file = path.join(dir, 'a-file');
    await fs.writeFile(file, 'not a folder');
    await assert.rejects(acquireLock(file), /^Error: Failed to create the lock file .*a-file.*EEXIST.*is a folder and is writable/);
    await assert.rejects(acquireLock(path.join(file, 'below')), /Failed to create the lock file .*ENOTDIR/);
  });

  it('replaces a garbled lock file', async () => {
    await fs.writeFile(path.join(dir, LOCK_NAME), '{"pid": 12');
    const lock = await acquireLock(dir);
    assert.equal((await fs.readJson(path.join(dir, LOCK_NAME))).pid, process.pid);
    await lock.release();
  });
});
