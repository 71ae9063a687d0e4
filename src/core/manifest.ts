// The manifest written last into every folder we commit. Its presence and validity mark the folder complete.

import { createHash } from 'node:crypto';
import * as path from 'node:path';
import * as fs from 'fs-extra';
import { FolderKind, MANIFEST_NAME } from './layout';

export const MANIFEST_FORMAT = 'training-backups/1';

export interface ManifestFile {
  /** Path relative to the folder, with '/' separators. */
  name: string;
  size: number;
  sha256: string;
}

export interface Manifest {
  format: string;
  kind: FolderKind;
  step: number;
  /** ISO 8601 time of the commit. */
  created: string;
  files: ManifestFile[];
  /** Numbers shown in listings without reading other files: epoch, loss and metrics such as eval_loss. */
  summary: { epoch?: number; loss?: number; metrics: Record<string, number> };
  meta?: Record<string, unknown>;
  /** sha256 of the manifest text before this field, so that a changed byte anywhere in the manifest is detected. */
  manifestSha256?: string;
}

export type ManifestRead =
  | { state: 'ok'; manifest: Manifest; text: string }
  | { state: 'missing' }
  | { state: 'invalid'; reason: string; file?: string };

/**
 * Checks a relative file name from a caller or a manifest. Returns the problem, or undefined when the
 * name stays inside its folder: no absolute path, drive letter, backslash, '.' or '..' segment.
 */
export function checkRelativeName(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) {
    return 'the file name is empty or not a string';
  }
  if (name.includes('\\') || name.includes('\0')) {
    return `file name "${name}" contains a backslash or NUL character`;
  }
  // Plain string checks instead of path.isAbsolute: listing runs this for every file of every manifest.
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) {
    return `file name "${name}" is an absolute path`;
  }
  for (const segment of name.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      return `file name "${name}" has an empty, '.' or '..' segment and could point outside its folder`;
    }
  }
  return undefined;
}

/** Rejects names the store itself uses inside a folder. */
export function isReservedName(name: string): boolean {
  return name === MANIFEST_NAME;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates parsed manifest JSON. Returns the problem as text, or undefined when it is valid. */
export function findManifestProblem(value: unknown): { reason: string; file?: string } | undefined {
  if (!isRecord(value)) {
    return { reason: 'manifest.json is not a JSON object' };
  }
  if (value.kind !== 'checkpoint' && value.kind !== 'backup') {
    return { reason: `manifest.json has an invalid kind ${JSON.stringify(value.kind)}` };
  }
  if (!Number.isSafeInteger(value.step) || (value.step as number) < 0) {
    return { reason: `manifest.json has an invalid step ${JSON.stringify(value.step)}` };
  }
  if (typeof value.created !== 'string' || Number.isNaN(Date.parse(value.created))) {
    return { reason: 'manifest.json has no valid "created" time' };
  }
  if (!Array.isArray(value.files)) {
    return { reason: 'manifest.json has no "files" list' };
  }
  const seen = new Set<string>();
  for (const entry of value.files) {
    if (!isRecord(entry)) {
      return { reason: 'manifest.json lists a file entry that is not an object' };
    }
    const nameProblem = checkRelativeName(entry.name);
    if (nameProblem) {
      return { reason: `manifest.json lists an unsafe path: ${nameProblem}`, file: String(entry.name) };
    }
    const name = entry.name as string;
    if (seen.has(name)) {
      return { reason: `manifest.json lists "${name}" twice`, file: name };
    }
    seen.add(name);
    if (!Number.isSafeInteger(entry.size) || (entry.size as number) < 0) {
      return { reason: `manifest.json has an invalid size for "${name}"`, file: name };
    }
    if (typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(entry.sha256)) {
      return { reason: `manifest.json has an invalid sha256 for "${name}"`, file: name };
    }
  }
  return undefined;
}

function normalizeSummary(value: unknown): Manifest['summary'] {
  const summary: Manifest['summary'] = { metrics: {} };
  if (!isRecord(value)) {
    return summary;
  }
  if (typeof value.epoch === 'number') summary.epoch = value.epoch;
  if (typeof value.loss === 'number') summary.loss = value.loss;
  if (isRecord(value.metrics)) {
    for (const [key, metric] of Object.entries(value.metrics)) {
      if (typeof metric === 'number' && Number.isFinite(metric)) summary.metrics[key] = metric;
    }
  }
  return summary;
}

// The checksum is the last field, and it covers the exact bytes before it, whitespace included.
const CHECKSUM_TAIL = /,\n  "manifestSha256": "([0-9a-f]{64})"\n\}\n$/;

/** Serializes a manifest as indented JSON ending with its own checksum field, manifestSha256. */
export function serializeManifest(manifest: Manifest): string {
  const { manifestSha256: _previous, ...body } = manifest;
  const prefix = JSON.stringify(body, null, 2).slice(0, -2); // Cuts the closing "\n}".
  const digest = createHash('sha256').update(prefix).digest('hex');
  return `${prefix},\n  "manifestSha256": "${digest}"\n}\n`;
}

/** Checks the manifest's own checksum. Returns the problem, or undefined when the text is unchanged since it was written. */
export function checkManifestChecksum(text: string): string | undefined {
  const match = CHECKSUM_TAIL.exec(text);
  if (!match) {
    return 'manifest.json has no valid manifestSha256 field at its end, so it was changed or not written by this extension';
  }
  const digest = createHash('sha256').update(text.slice(0, match.index)).digest('hex');
  return digest === match[1] ? undefined : 'manifest.json was changed after it was written (its manifestSha256 does not match)';
}

/** Parses manifest text. Never throws: a garbled manifest comes back as 'invalid' with the reason. */
export function parseManifest(text: string): ManifestRead {
  if (text.trim().length === 0) {
    return { state: 'invalid', reason: 'manifest.json is empty (the save was probably interrupted)' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { state: 'invalid', reason: `manifest.json is not valid JSON: ${(error as Error).message}` };
  }
  const problem = findManifestProblem(value);
  if (problem) {
    return { state: 'invalid', ...problem };
  }
  const manifest = value as Manifest;
  manifest.summary = normalizeSummary(manifest.summary);
  return { state: 'ok', manifest, text };
}

/** Reads and validates `<dir>/manifest.json`. Never throws for a missing or garbled manifest. */
export async function readManifest(dir: string): Promise<ManifestRead> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, MANIFEST_NAME), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return { state: 'missing' };
    }
    return { state: 'invalid', reason: `manifest.json could not be read: ${(error as Error).message}` };
  }
  return parseManifest(text);
}
