// Verification results that survive a window reload. This file must not import vscode, so the unit tests can
// load it in plain Node. The extension passes `context.workspaceState`, which has the same get/update shape.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MANIFEST_NAME, Verification } from '../core';

/** The subset of vscode.Memento the store uses. */
export interface StateStorage {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void> | Promise<void>;
}

interface StoredVerification {
  manifestMtimeMs: number;
  result: Verification;
}

const keyPrefix = 'trainingBackups.verification:';

/** Returns the modification time of the folder's manifest in milliseconds, or undefined when it has none. */
export function manifestMtimeMs(folderPath: string): number | undefined {
  try {
    return fs.statSync(path.join(folderPath, MANIFEST_NAME)).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * Stores each folder's last verification result keyed by folder path, together with the manifest's mtime.
 * A result counts only while the manifest has that mtime, so a rewritten or replaced folder is shown as not
 * verified again. A folder without a manifest has no stored result.
 */
export class VerificationStore {
  constructor(private readonly storage: StateStorage) {}

  /** Stores `result` for the folder; returns without storing when the folder has no manifest. */
  async record(folderPath: string, result: Verification): Promise<void> {
    const mtime = manifestMtimeMs(folderPath);
    if (mtime === undefined) {
      return;
    }
    const value: StoredVerification = { manifestMtimeMs: mtime, result };
    await this.storage.update(keyPrefix + path.resolve(folderPath), value);
  }

  /** Returns the stored result while the folder's manifest still has the mtime it had when the result was stored. */
  lookup(folderPath: string): Verification | undefined {
    const stored = this.storage.get<StoredVerification>(keyPrefix + path.resolve(folderPath));
    if (stored === undefined) {
      return undefined;
    }
    if (manifestMtimeMs(folderPath) !== stored.manifestMtimeMs) {
      // The folder changed or is gone, so the result no longer applies; dropping it keeps the storage small.
      void this.storage.update(keyPrefix + path.resolve(folderPath), undefined);
      return undefined;
    }
    return stored.result;
  }
}
