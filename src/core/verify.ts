// Verification of a folder against its manifest with streaming sha256.

import { createHash } from 'node:crypto';
import * as path from 'node:path';
import * as fs from 'fs-extra';
import { MANIFEST_NAME, looksLikeHuggingFace, parseFolderName } from './layout';
import { checkManifestChecksum, readManifest } from './manifest';

export type Verification =
  | { state: 'ok' }
  | { state: 'corrupt'; file: string; reason: string }
  | { state: 'incomplete'; reason: string }
  | { state: 'unverified'; reason: string };

// Read buffer size: memory use stays at this size however large the folder is.
const READ_BUFFER_BYTES = 4 * 1024 * 1024;

/** Computes the sha256 of a file in fixed-size reads and returns it as hex. */
export async function hashFile(file: string, buffer: Buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES)): Promise<string> {
  const hash = createHash('sha256');
  const handle = await fs.promises.open(file, 'r');
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

/**
 * Checks that a folder's manifest.json is unchanged since it was written, without hashing the other files.
 * Returns the problem, or undefined when the manifest is intact.
 */
export async function checkManifestIntegrity(dir: string): Promise<string | undefined> {
  const read = await readManifest(dir);
  if (read.state === 'missing') return 'no manifest.json';
  if (read.state === 'invalid') return read.reason;
  return checkManifestChecksum(read.text);
}

/**
 * Verifies every file listed in the folder's manifest: it must be a regular file inside the folder with the
 * recorded size and sha256. A folder without a manifest is 'unverified' when it contains HuggingFace output and
 * 'incomplete' otherwise. Files not listed in the manifest are not checked.
 */
export async function verifyFolder(dir: string): Promise<Verification> {
  const read = await readManifest(dir);
  if (read.state === 'missing') {
    let entries: string[];
    try {
      entries = await fs.readdir(dir);
    } catch (error) {
      return { state: 'incomplete', reason: `the folder cannot be read: ${(error as Error).message}` };
    }
    if (looksLikeHuggingFace(entries)) {
      return { state: 'unverified', reason: 'no manifest.json: HuggingFace output, which carries no checksums' };
    }
    return { state: 'incomplete', reason: 'no manifest.json: the save did not finish, or the folder was not written by this extension' };
  }
  if (read.state === 'invalid') {
    return read.file !== undefined
      ? { state: 'corrupt', file: read.file, reason: read.reason }
      : { state: 'incomplete', reason: read.reason };
  }

  const manifest = read.manifest;
  const checksumProblem = checkManifestChecksum(read.text);
  if (checksumProblem) {
    return { state: 'corrupt', file: MANIFEST_NAME, reason: checksumProblem };
  }
  const parsed = parseFolderName(path.basename(dir));
  if (parsed && (parsed.kind !== manifest.kind || parsed.step !== manifest.step)) {
    return {
      state: 'corrupt',
      file: MANIFEST_NAME,
      reason: `manifest.json describes ${manifest.kind} step ${manifest.step}, but the folder name says ${parsed.kind} step ${parsed.step}`,
    };
  }

  const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  for (const entry of manifest.files) {
    // Names were checked by readManifest, so this path stays inside dir.
    const file = path.join(dir, ...entry.name.split('/'));
    let stat: fs.Stats;
    try {
      stat = await fs.lstat(file);
    } catch {
      return { state: 'corrupt', file: entry.name, reason: 'the file is missing' };
    }
    if (!stat.isFile()) {
      return { state: 'corrupt', file: entry.name, reason: 'not a regular file (a link or folder is not followed)' };
    }
    if (stat.size !== entry.size) {
      return { state: 'corrupt', file: entry.name, reason: `size is ${stat.size} bytes, the manifest says ${entry.size}` };
    }
    let digest: string;
    try {
      digest = await hashFile(file, buffer);
    } catch (error) {
      return { state: 'corrupt', file: entry.name, reason: `the file cannot be read: ${(error as Error).message}` };
    }
    if (digest !== entry.sha256) {
      return { state: 'corrupt', file: entry.name, reason: 'its sha256 does not match the manifest, so the content has changed' };
    }
  }
  return { state: 'ok' };
}
