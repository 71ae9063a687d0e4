// One writer per output folder: a lock file created atomically with the 'wx' flag, holding the owner's
// pid, hostname, command and start time. A lock left by a dead process on this machine is taken over.

import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'fs-extra';
import { isProcessAlive } from './layout';

export const LOCK_NAME = '.training-backups.lock';
// A takeover guard older than this was left by a crash during a takeover and is removed, whatever pid it names.
const GUARD_STALE_MS = 10_000;
const GUARD_WITHOUT_PID_STALE_MS = 1_000;
const RETRY_DELAY_MS = 50;
// Time to keep retrying while other processes take over or replace the lock.
const ACQUIRE_TIMEOUT_MS = 5_000;

interface LockRecord {
  pid: number;
  hostname: string;
  command: string;
  owner?: string;
  started: string;
  token: string;
}

/** Error thrown when another live process holds the lock. The message names its pid, host and command. */
export class LockHeldError extends Error {
  constructor(message: string, readonly pid: number, readonly lockFile: string) {
    super(message);
    this.name = 'LockHeldError';
  }
}

async function readRecord(file: string): Promise<LockRecord | undefined> {
  try {
    const value = JSON.parse(await fs.readFile(file, 'utf8')) as LockRecord;
    return typeof value.pid === 'number' ? value : undefined;
  } catch {
    return undefined; // Missing, or written only half by a writer that crashed.
  }
}

function describe(record: LockRecord): string {
  return `process ${record.pid} on ${record.hostname} (${record.owner ?? record.command}), started ${record.started}`;
}

// Creates the lock file with 'wx', so exactly one process succeeds. A file whose content cannot be written
// (for example on a full disk) is removed again, so that it does not look like a crashed holder's lock.
async function tryCreate(file: string, record: LockRecord): Promise<boolean> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw lockFailure(file, error);
  }
  try {
    await handle.writeFile(JSON.stringify(record, null, 2));
    await handle.close();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await fs.remove(file).catch(() => undefined);
    throw lockFailure(file, error);
  }
  return true;
}

function lockFailure(file: string, cause: unknown): Error {
  const code = (cause as NodeJS.ErrnoException).code;
  const advice = code === 'ENOSPC' || code === 'EDQUOT'
    ? 'Free disk space and start again.'
    : 'Check that the folder exists, is a folder and is writable, then start again.';
  return new Error(`Failed to create the lock file ${file}: ${(cause as Error).message}. ${advice}`, { cause });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Reports whether a takeover guard was left by a process that died during a takeover. The guard folder contains
// the taker's pid. A guard without a pid (its taker died between mkdir and the write) is stale after a second.
async function isGuardStale(guard: string): Promise<boolean> {
  const stat = await fs.stat(guard).catch(() => undefined);
  if (!stat) return false;
  const age = Date.now() - stat.mtimeMs;
  const pidText = await fs.readFile(path.join(guard, 'pid'), 'utf8').catch(() => undefined);
  if (pidText === undefined) return age > GUARD_WITHOUT_PID_STALE_MS;
  return !isProcessAlive(Number(pidText)) || age > GUARD_STALE_MS;
}

// Removes a stale lock under a guard folder (mkdir is atomic), so that two processes taking over the same
// stale lock cannot remove each other's new lock.
async function removeIfStill(file: string, stale: LockRecord | undefined): Promise<void> {
  const guard = `${file}.takeover`;
  try {
    await fs.mkdir(guard);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    if (await isGuardStale(guard)) await fs.remove(guard);
    await sleep(RETRY_DELAY_MS);
    return;
  }
  try {
    await fs.writeFile(path.join(guard, 'pid'), String(process.pid));
    const current = await readRecord(file);
    if (current?.token === stale?.token) await fs.remove(file);
  } finally {
    await fs.remove(guard);
  }
}

/**
 * Takes the lock of `dir` (creating dir when needed) and returns a handle whose release() removes it.
 * Throws LockHeldError when a live process holds it, or when a process on another host does, because its
 * liveness cannot be checked from here.
 * NOTE: a holder's pid is not compared with its start time, so a dead holder whose pid was reused looks alive.
 */
export async function acquireLock(dir: string, owner?: string): Promise<{ release(): Promise<void> }> {
  const file = path.join(dir, LOCK_NAME);
  await fs.mkdirp(dir).catch((error: unknown) => {
    throw lockFailure(file, error);
  });
  const record: LockRecord = {
    pid: process.pid,
    hostname: os.hostname(),
    command: process.argv.slice(1).join(' ').slice(0, 200),
    ...(owner ? { owner } : {}),
    started: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  };

  const deadline = Date.now() + ACQUIRE_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await tryCreate(file, record)) {
      return {
        async release() {
          const current = await readRecord(file);
          if (current?.token === record.token) await fs.remove(file);
        },
      };
    }
    const holder = await readRecord(file);
    if (holder && holder.hostname !== record.hostname) {
      throw new LockHeldError(
        `${dir} is locked by ${describe(holder)}. Stop that run, or delete ${file} if it no longer runs.`, holder.pid, file);
    }
    if (holder && isProcessAlive(holder.pid)) {
      throw new LockHeldError(
        `${dir} is in use by ${describe(holder)}. Stop that run first, or use another output folder.`, holder.pid, file);
    }
    if (!holder) {
      // The holder may be between creating and writing the file, so give it a moment before calling it stale.
      await sleep(RETRY_DELAY_MS);
      if (await readRecord(file)) continue;
    }
    await removeIfStill(file, holder);
  }
  throw new Error(`Timed out after ${ACQUIRE_TIMEOUT_MS / 1000} s taking the lock ${file}, because other processes keep replacing it. Try again.`);
}
