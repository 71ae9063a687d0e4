// Listing checkpoints and backups for the sidebar and the CLI: reads names, manifests and (for HuggingFace
// folders) trainer_state.json, but never hashes. latestValid verifies, newest first.

import * as path from 'node:path';
import * as fs from 'fs-extra';
import {
  FolderKind, MANIFEST_NAME, PIN_MARKER_PREFIX,
  looksLikeHuggingFace, parseFolderName, parseFolderNameDetailed,
} from './layout';
import { parseManifest } from './manifest';
import { lastLoss, readTrainerState, summarizeTrainerState } from './trainerState';
import { Verification, verifyFolder } from './verify';

export interface FolderInfo {
  kind: FolderKind;
  step: number;
  name: string;
  path: string;
  format: 'ours' | 'huggingface' | 'unknown';
  /** Whether the folder has a valid manifest (ours only), checked without hashing. */
  complete: boolean;
  /** Set only by functions that verify, such as latestValid. */
  verification?: Verification;
  created?: Date;
  sizeBytes: number;
  epoch?: number;
  loss?: number;
  /** Numbers recorded with the folder, e.g. eval_loss. Rotation reads the best-model metric from here. */
  metrics?: Record<string, number>;
  pinned: boolean;
  /** Reason the folder is not complete, when it is not. */
  problem?: string;
}

export interface RunListing {
  outputDir: string;
  backupDir: string;
  checkpoints: FolderInfo[];
  backups: FolderInfo[];
  /** Folders named like ours that are left out, with the reason (e.g. a step beyond Number.MAX_SAFE_INTEGER). */
  ignored?: Array<{ path: string; reason: string }>;
}

// Manifests are read synchronously: on Linux, readFileSync of 10,000 small files took about 60 ms where
// fs.promises.readFile took about 450 ms (measured on 2 cores, Node 20), because each async read makes several
// thread-pool round trips. The event loop is released after every YIELD_EVERY folders.
const YIELD_EVERY = 256;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function sumFileSizes(dir: string, names: readonly string[]): Promise<number> {
  let total = 0;
  for (const name of names) {
    const stat = await fs.lstat(path.join(dir, name)).catch(() => undefined);
    if (stat?.isFile()) total += stat.size;
  }
  return total;
}

async function describeHuggingFace(info: FolderInfo, entries: readonly string[]): Promise<void> {
  info.format = 'huggingface';
  info.verification = { state: 'unverified', reason: 'HuggingFace output carries no checksums' };
  info.sizeBytes = await sumFileSizes(info.path, entries);
  try {
    const state = await readTrainerState(info.path);
    if (state) {
      const summary = summarizeTrainerState(state);
      info.epoch = state.epoch;
      info.loss = lastLoss(state);
      info.metrics = summary.metrics;
      const stat = await fs.stat(path.join(info.path, 'trainer_state.json'));
      info.created = stat.mtime;
    }
  } catch (error) {
    info.problem = (error as Error).message;
  }
}

// Fills in a folder that has no manifest.json: HuggingFace output, or an incomplete save.
async function describeWithoutManifest(info: FolderInfo): Promise<void> {
  let entries: string[];
  try {
    entries = await fs.readdir(info.path);
  } catch (error) {
    info.problem = `the folder cannot be read: ${(error as Error).message}`;
    return;
  }
  if (looksLikeHuggingFace(entries)) {
    await describeHuggingFace(info, entries);
    return;
  }
  info.problem = 'no manifest.json: the save did not finish, or the folder was not written by this extension';
  info.sizeBytes = await sumFileSizes(info.path, entries);
}

// Reads a small file into a reused buffer with open, one read and close (readFileSync adds an fstat and a
// second read). A read that does not fill the buffer has reached the end of a regular file.
let readBuffer = Buffer.allocUnsafe(64 * 1024);
function readSmallFileSync(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    let length = 0;
    for (;;) {
      const space = readBuffer.length - length;
      const bytesRead = fs.readSync(fd, readBuffer, length, space, null);
      length += bytesRead;
      if (bytesRead < space) break;
      const larger = Buffer.allocUnsafe(readBuffer.length * 2);
      readBuffer.copy(larger);
      readBuffer = larger;
    }
    return readBuffer.toString('utf8', 0, length);
  } finally {
    fs.closeSync(fd);
  }
}

// Fills in a folder from its manifest. Returns false when there is no manifest.json.
function describeFromManifest(info: FolderInfo): boolean {
  let text: string;
  try {
    // info.path comes from path.join, so plain concatenation gives the same path without normalizing it again.
    text = readSmallFileSync(info.path + path.sep + MANIFEST_NAME);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    info.format = 'ours';
    info.problem = `manifest.json cannot be read: ${(error as Error).message}`;
    return true;
  }
  info.format = 'ours';
  const read = parseManifest(text);
  if (read.state !== 'ok') {
    info.problem = read.state === 'invalid' ? read.reason : 'manifest.json is missing';
    return true;
  }
  const manifest = read.manifest;
  if (manifest.kind !== info.kind || manifest.step !== info.step) {
    info.problem = `manifest.json describes ${manifest.kind} step ${manifest.step}, not this folder`;
    return true;
  }
  info.complete = true;
  info.created = new Date(manifest.created);
  info.sizeBytes = manifest.files.reduce((total, file) => total + file.size, 0);
  info.epoch = manifest.summary.epoch;
  info.loss = manifest.summary.loss;
  info.metrics = manifest.summary.metrics;
  return true;
}

interface Scan {
  folders: FolderInfo[];
  ignored: Array<{ path: string; reason: string }>;
}

async function scan(parentDir: string, kind: FolderKind): Promise<Scan> {
  let dirents: fs.Dirent[];
  try {
    dirents = await fs.readdir(parentDir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { folders: [], ignored: [] };
    throw error;
  }
  const named: Array<{ name: string; step: number }> = [];
  const ignored: Scan['ignored'] = [];
  const pinned = new Set<string>();
  for (const dirent of dirents) {
    if (dirent.name.startsWith(PIN_MARKER_PREFIX)) pinned.add(dirent.name.slice(PIN_MARKER_PREFIX.length));
    if (!dirent.isDirectory()) continue;
    const parsed = parseFolderNameDetailed(dirent.name);
    if (!parsed || parsed.kind !== kind) continue;
    if ('error' in parsed) {
      ignored.push({ path: path.join(parentDir, dirent.name), reason: parsed.error });
    } else {
      named.push({ name: dirent.name, step: parsed.step });
    }
  }
  named.sort((a, b) => a.step - b.step);

  const folders: FolderInfo[] = [];
  const withoutManifest: FolderInfo[] = [];
  for (const [index, item] of named.entries()) {
    const info: FolderInfo = {
      kind, step: item.step, name: item.name, path: path.join(parentDir, item.name),
      format: 'unknown', complete: false, sizeBytes: 0, pinned: pinned.has(item.name),
    };
    folders.push(info);
    if (!describeFromManifest(info)) withoutManifest.push(info);
    if ((index + 1) % YIELD_EVERY === 0) await yieldToEventLoop();
  }
  for (const info of withoutManifest) await describeWithoutManifest(info);
  return { folders, ignored };
}

/**
 * Lists the checkpoint or backup folders in parentDir, sorted by step ascending. Never lists `.tmp-`/`.trash-`
 * folders, foreign names or files, and returns [] when parentDir does not exist. Does not hash.
 * NOTE: on a 2-core AMD EPYC (bench/core.ts), 10,000 folders took 100-125 ms at load average 1.7-5, about half of it in
 * open/read/close, and 240-610 ms at load average 10-14, above the 150 ms target.
 */
export async function listFolders(parentDir: string, kind: FolderKind): Promise<FolderInfo[]> {
  return (await scan(parentDir, kind)).folders;
}

/** Returns the newest folder that is complete and verifies ok (hashing newest first), or undefined. */
export async function latestValid(parentDir: string, kind: FolderKind): Promise<FolderInfo | undefined> {
  const folders = await listFolders(parentDir, kind);
  for (let index = folders.length - 1; index >= 0; index--) {
    const info = folders[index];
    if (!info.complete) continue;
    info.verification = await verifyFolder(info.path);
    if (info.verification.state === 'ok') return info;
  }
  return undefined;
}

/** Lists a run's checkpoints (in outputDir) and backups (in backupDir). */
export async function listRun(outputDir: string, backupDir: string): Promise<RunListing> {
  const [checkpoints, backups] = await Promise.all([scan(outputDir, 'checkpoint'), scan(backupDir, 'backup')]);
  return {
    outputDir,
    backupDir,
    checkpoints: checkpoints.folders,
    backups: backups.folders,
    ignored: [...checkpoints.ignored, ...backups.ignored],
  };
}

/** Pins or unpins a folder by creating or removing its marker `<parentDir>/.pinned-<name>`. Rotation keeps pinned folders. */
export async function setPinned(dir: string, pinned: boolean): Promise<void> {
  if (!parseFolderName(path.basename(dir)) || !(await fs.pathExists(dir))) {
    throw new Error(`Cannot pin "${dir}": it is not an existing checkpoint-<step> or model_backup_step-<step> folder.`);
  }
  const marker = path.join(path.dirname(dir), PIN_MARKER_PREFIX + path.basename(dir));
  if (pinned) {
    await fs.writeFile(marker, '');
  } else {
    await fs.remove(marker);
  }
}
