// Rotation: deletes old checkpoints or backups after a commit. Each preservation policy answers one question,
// "which folders do I keep?", and a folder is deleted only when no policy keeps it.

import * as path from 'node:path';
import { deleteFolder } from './atomic';
import { FolderKind } from './layout';
import { FolderInfo, listFolders } from './listing';
import { Verification, checkManifestIntegrity, verifyFolder } from './verify';

export interface RotationOptions {
  /** Number of newest valid folders to keep. 0, a negative number or undefined keeps everything. */
  keepNewest?: number;
  /** Keep pinned folders (default true). */
  pinned?: boolean;
  /** Keep the folder with the best value of this metric (e.g. eval_loss), as recorded with each folder. */
  best?: { metric: string; greaterIsBetter: boolean };
  /** Folder paths to keep, e.g. the checkpoint the current run resumed from. */
  protect?: string[];
}

/** Verifies a folder at most once per rotation. */
export type Verifier = (info: FolderInfo) => Promise<Verification>;

/** One rule of rotation: returns the paths of the folders it keeps among the complete folders given. */
export interface PreservationPolicy {
  readonly description: string;
  keep(folders: readonly FolderInfo[], verify: Verifier): Promise<Set<string>>;
}

/**
 * Keeps the newest `count` folders that verify ok, and every folder newer than the oldest of them.
 * Corrupt folders do not count. When fewer than `count` verify ok, it keeps every folder, so the only
 * valid folder is never deleted. Hashes folders newest first and stops once `count` verify ok.
 */
export function keepNewest(count: number): PreservationPolicy {
  return {
    description: `keep the newest ${count} valid`,
    async keep(folders, verify) {
      const newestFirst = [...folders].sort((a, b) => b.step - a.step);
      const kept = new Set<string>();
      let valid = 0;
      for (const info of newestFirst) {
        kept.add(info.path);
        if ((await verify(info)).state === 'ok') valid++;
        if (valid >= count) return kept;
      }
      return new Set(folders.map((info) => info.path));
    },
  };
}

export function keepPinned(): PreservationPolicy {
  return {
    description: 'keep pinned',
    async keep(folders) {
      return new Set(folders.filter((info) => info.pinned).map((info) => info.path));
    },
  };
}

function metricOf(info: FolderInfo, metric: string): number | undefined {
  return info.metrics?.[metric] ?? (metric === 'loss' ? info.loss : undefined);
}

/** Keeps the folder with the best recorded metric, the newer one on a tie. Folders without the metric are skipped. */
export function keepBest(metric: string, greaterIsBetter: boolean): PreservationPolicy {
  return {
    description: `keep the best by ${metric}`,
    async keep(folders) {
      let best: FolderInfo | undefined;
      for (const info of folders) {
        const value = metricOf(info, metric);
        if (value === undefined) continue;
        const bestValue = best ? (metricOf(best, metric) as number) : undefined;
        const better = bestValue === undefined || (greaterIsBetter ? value >= bestValue : value <= bestValue);
        if (better) best = info;
      }
      return new Set(best ? [best.path] : []);
    },
  };
}

export function keepPaths(paths: readonly string[]): PreservationPolicy {
  const resolved = new Set(paths.map((item) => path.resolve(item)));
  return {
    description: 'keep protected folders',
    async keep(folders) {
      return new Set(folders.filter((info) => resolved.has(path.resolve(info.path))).map((info) => info.path));
    },
  };
}

/** Builds the policies for rotation options. Returns [] (keep everything) unless keepNewest is positive. */
export function policiesFor(options: RotationOptions): PreservationPolicy[] {
  const limit = options.keepNewest;
  if (limit === undefined || !Number.isFinite(limit) || limit < 1) {
    return [];
  }
  const policies = [keepNewest(Math.floor(limit))];
  if (options.pinned !== false) policies.push(keepPinned());
  if (options.best) policies.push(keepBest(options.best.metric, options.best.greaterIsBetter));
  if (options.protect?.length) policies.push(keepPaths(options.protect));
  return policies;
}

/**
 * Returns the folders to delete: complete folders of ours that no policy keeps and that are not known to be corrupt.
 * Incomplete and corrupt folders are never returned, because they are the evidence of what went wrong.
 * HuggingFace and foreign folders are never returned either.
 */
export async function selectForDeletion(
  folders: readonly FolderInfo[], policies: readonly PreservationPolicy[], verifyInfo: (dir: string) => Promise<Verification> = verifyFolder,
): Promise<FolderInfo[]> {
  if (policies.length === 0) {
    return [];
  }
  const candidates = folders.filter((info) => info.format === 'ours' && info.complete);
  const results = new Map<string, Verification>();
  const verify: Verifier = async (info) => {
    let result = results.get(info.path);
    if (!result) {
      result = await verifyInfo(info.path);
      results.set(info.path, result);
      info.verification = result;
    }
    return result;
  };

  const keptPaths = new Set<string>();
  for (const policy of policies) {
    for (const keptPath of await policy.keep(candidates, verify)) keptPaths.add(keptPath);
  }
  const keptValid = candidates.filter((info) => keptPaths.has(info.path) && results.get(info.path)?.state === 'ok');
  if (keptValid.length === 0) {
    return []; // Nothing kept is known to be valid, so deleting anything could remove the only good copy.
  }
  return candidates.filter((info) => !keptPaths.has(info.path) && results.get(info.path)?.state !== 'corrupt');
}

/**
 * Deletes old checkpoints or backups in parentDir by the rotation options and returns the deleted paths.
 * Call it only after a commit succeeded. Deletion is crash-safe (see deleteFolder).
 * NOTE: keeping the newest N hashes up to N folders per call, which takes seconds for multi-gigabyte checkpoints.
 */
export async function rotate(parentDir: string, kind: FolderKind, options: RotationOptions): Promise<string[]> {
  const policies = policiesFor(options);
  if (policies.length === 0) {
    return [];
  }
  const folders = await listFolders(parentDir, kind);
  // Policies read steps, pins and metrics from the manifests, so a changed manifest must not take part.
  for (const info of folders) {
    const problem = info.complete ? await checkManifestIntegrity(info.path) : undefined;
    if (problem) {
      info.complete = false;
      info.problem = problem;
    }
  }
  const toDelete = await selectForDeletion(folders, policies);
  const deleted: string[] = [];
  for (const info of toDelete) {
    await deleteFolder(info.path);
    deleted.push(info.path);
  }
  return deleted;
}
