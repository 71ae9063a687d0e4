// Listing checkpoints and backups for the sidebar and the CLI: reads names, manifests and (for HuggingFace
// folders) trainer_state.json, but never hashes. latestValid verifies, newest first.

import * as path from 'node:path';
import * as fs from 'fs-extra';
import {
  FolderKind, MANIFEST_NAME, PIN_MARKER_NAME,
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
  /** True when the folder has a valid manifest (ours only); a quick check without hashing. */
  complete: boolean;
  /** Set only by functions that verify, such as latestValid. */
  verification?: Verification;
  created?: Date;
  sizeBytes: number;
  epoch?: number;
  loss?: number;
  /** Numbers recorded with the folder, e.g. eval_loss; rotation reads the best-model metric from here. */
  metrics?: Record<string, number>;
  pinned: boolean;
  /** Why the folder is not complete, when it is not. */
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

// Folders read at once: enough to keep the thread pool busy without opening thousands of files together.
const LIST_CONCURRENCY = 64;

async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
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

async function describeFolder(parentDir: string, name: string, kind: FolderKind, step: number): Promise<FolderInfo> {
  const dir = path.join(parentDir, name);
  const info: FolderInfo = { kind, step, name, path: dir, format: 'unknown', complete: false, sizeBytes: 0, pinned: false };
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch (error) {
    info.problem = `the folder cannot be read: ${(error as Error).message}`;
    return info;
  }
  info.pinned = entries.includes(PIN_MARKER_NAME);

  if (!entries.includes(MANIFEST_NAME)) {
    if (looksLikeHuggingFace(entries)) {
      await describeHuggingFace(info, entries);
    } else {
      info.problem = 'no manifest.json: the save did not finish, or the folder was not written by this extension';
      info.sizeBytes = await sumFileSizes(dir, entries);
    }
    return info;
  }

  info.format = 'ours';
  const text = await fs.readFile(path.join(dir, MANIFEST_NAME), 'utf8').catch((error: Error) => error);
  const read = typeof text === 'string' ? parseManifest(text) : { state: 'invalid' as const, reason: text.message };
  if (read.state !== 'ok') {
    info.problem = read.state === 'invalid' ? read.reason : 'manifest.json is missing';
    info.sizeBytes = await sumFileSizes(dir, entries);
    return info;
  }
  const manifest = read.manifest;
  if (manifest.kind !== kind || manifest.step !== step) {
    info.problem = `manifest.json describes ${manifest.kind} step ${manifest.step}, not this folder`;
    return info;
  }
  info.complete = true;
  info.created = new Date(manifest.created);
  info.sizeBytes = manifest.files.reduce((total, file) => total + file.size, 0);
  info.epoch = manifest.summary.epoch;
  info.loss = manifest.summary.loss;
  info.metrics = manifest.summary.metrics;
  return info;
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
  for (const dirent of dirents) {
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
  const folders = await mapLimited(named, LIST_CONCURRENCY, (item) => describeFolder(parentDir, item.name, kind, item.step));
  return { folders, ignored };
}

/**
 * Lists the checkpoint or backup folders in parentDir, sorted by step ascending. Never lists `.tmp-`/`.trash-`
 * folders, foreign names or files; returns [] when parentDir does not exist. Does not hash.
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

/** Pins or unpins a folder by creating or removing its `.pinned` marker; rotation keeps pinned folders. */
export async function setPinned(dir: string, pinned: boolean): Promise<void> {
  if (!parseFolderName(path.basename(dir)) || !(await fs.pathExists(dir))) {
    throw new Error(`Cannot pin "${dir}": it is not an existing checkpoint-<step> or model_backup_step-<step> folder.`);
  }
  const marker = path.join(dir, PIN_MARKER_NAME);
  if (pinned) {
    await fs.writeFile(marker, '');
  } else {
    await fs.remove(marker);
  }
}
