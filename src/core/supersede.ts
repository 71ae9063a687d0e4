// Moving the folders of an abandoned lineage aside. A run that restarts from step N (a restore of a backup, or
// a resume of a checkpoint that is not the newest) would save folders with the names of those above step N.
// So those folders are renamed into `<parentDir>/superseded-<UTC time>/`, never copied or deleted. Listing and
// rotation skip `superseded-*` folders because the name is not ours, so nothing deletes them later.

import * as path from 'node:path';
import * as fs from 'fs-extra';
import { fsyncDir } from './atomic';
import { FolderKind, MANIFEST_NAME, PIN_MARKER_PREFIX, looksLikeHuggingFace, parseFolderName } from './layout';
import { FolderInfo, listFolders } from './listing';

export const SUPERSEDED_PREFIX = 'superseded-';

export interface SupersedeResult {
  /** The folder the moved folders now live in; undefined when nothing was moved. */
  supersededDir?: string;
  /** Names of the moved folders, sorted by step. */
  moved: string[];
}

/** A `superseded-*` folder and the checkpoints and backups inside it. */
export interface SupersededFolder {
  name: string;
  path: string;
  /** The UTC time in the name; undefined when the name does not contain one. */
  created?: Date;
  /** Checkpoints sorted by step, then backups sorted by step. */
  folders: FolderInfo[];
}

const SUPERSEDED_TIME = /^superseded-(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z(?:-\d+)?$/;

/** Parses the UTC time out of a name built by `supersededName`, with or without a `-2`, `-3`, ... suffix. */
export function parseSupersededTime(name: string): Date | undefined {
  const match = SUPERSEDED_TIME.exec(name);
  if (!match) {
    return undefined;
  }
  const [, day, hours, minutes, seconds, millis] = match;
  const time = new Date(`${day}T${hours}:${minutes}:${seconds}.${millis}Z`);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

/**
 * Lists the `superseded-*` folders directly inside `parentDir`, newest first: by the time in the name, then by
 * name, and folders without a time in the name last. Files and other folders are not listed. A missing
 * `parentDir` lists nothing.
 */
export async function listSuperseded(parentDir: string): Promise<SupersededFolder[]> {
  let entries: fs.Dirent[];
  try {
    entries = await fs.readdir(parentDir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw error;
  }

  const result: SupersededFolder[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || !entry.name.startsWith(SUPERSEDED_PREFIX)) {
      continue;
    }
    const dir = path.join(parentDir, entry.name);
    const checkpoints = await listFolders(dir, 'checkpoint');
    const backups = await listFolders(dir, 'backup');
    result.push({ name: entry.name, path: dir, created: parseSupersededTime(entry.name), folders: [...checkpoints, ...backups] });
  }

  const timeOf = (item: SupersededFolder): number => item.created?.getTime() ?? -Infinity;
  result.sort((a, b) => timeOf(b) - timeOf(a) || b.name.localeCompare(a.name, 'en', { numeric: true }));
  return result;
}

/** Builds a folder name such as `superseded-2026-12-04T21-05-09-123Z`: UTC time without ':' or '.'. */
export function supersededName(now: Date): string {
  return SUPERSEDED_PREFIX + now.toISOString().replace(/[:.]/g, '-');
}

async function isOurs(dir: string): Promise<boolean> {
  const entries = await fs.readdir(dir);
  return entries.includes(MANIFEST_NAME) || !looksLikeHuggingFace(entries);
}

/** Creates `<parentDir>/<name>`, adding `-2`, `-3`, ... when two moves fall in the same millisecond. */
async function createUniqueDir(parentDir: string, name: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const dir = path.join(parentDir, attempt === 1 ? name : `${name}-${attempt}`);
    try {
      await fs.mkdir(dir);
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
    }
  }
}

/**
 * Moves every folder of `kinds` in `parentDir` whose step is above `afterStep` into a new `superseded-*` folder
 * inside `parentDir`, together with its `.pinned-<name>` marker, and fsyncs both folders. Complete and
 * incomplete folders of ours move. HuggingFace folders (no manifest, HuggingFace file names), foreign names and
 * `except` paths stay. A missing `parentDir` moves nothing. A failed rename throws, and the folders moved
 * before it stay in the superseded folder, because rename moves each folder whole.
 */
export async function supersedeFoldersAfter(
  parentDir: string,
  afterStep: number,
  kinds: readonly FolderKind[],
  options: { now?: Date; except?: readonly string[] } = {},
): Promise<SupersedeResult> {
  let entries: fs.Dirent[];
  try {
    entries = await fs.readdir(parentDir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { moved: [] };
    }
    throw error;
  }
  const except = new Set((options.except ?? []).map((item) => path.resolve(item)));
  const names = new Set(entries.map((entry) => entry.name));

  const candidates: Array<{ name: string; step: number }> = [];
  for (const entry of entries) {
    const parsed = entry.isDirectory() ? parseFolderName(entry.name) : undefined;
    if (!parsed || !kinds.includes(parsed.kind) || parsed.step <= afterStep) {
      continue;
    }
    const folder = path.join(parentDir, entry.name);
    if (except.has(path.resolve(folder)) || !(await isOurs(folder))) {
      continue;
    }
    candidates.push({ name: entry.name, step: parsed.step });
  }
  if (candidates.length === 0) {
    return { moved: [] };
  }
  candidates.sort((a, b) => a.step - b.step || a.name.localeCompare(b.name));

  const supersededDir = await createUniqueDir(parentDir, supersededName(options.now ?? new Date()));
  const moved: string[] = [];
  try {
    for (const { name } of candidates) {
      await fs.rename(path.join(parentDir, name), path.join(supersededDir, name));
      moved.push(name);
      const marker = PIN_MARKER_PREFIX + name;
      if (names.has(marker)) {
        await fs.rename(path.join(parentDir, marker), path.join(supersededDir, marker));
      }
    }
  } finally {
    await fsyncDir(supersededDir);
    await fsyncDir(parentDir);
  }
  return { supersededDir, moved };
}
