// Public API of the checkpoint store: folder layout, atomic commit, verification, listing, rotation,
// locking and trainer state. Pure Node and fs-extra, so the extension host, the trainer and the CLI share it.

import { CommitOptions, FileToWrite, commitFolder } from './atomic';
import { FolderKind } from './layout';
import { RotationOptions, rotate } from './rotation';

export type { FolderKind, ParsedName } from './layout';
export { folderName, parseFolderName, parseFolderNameDetailed, MANIFEST_NAME, PIN_MARKER_PREFIX } from './layout';
export type { CommitOptions, FileToWrite, WriteLayer } from './atomic';
export { FolderExistsError, SaveError, cleanStaleTemp, commitFolder, defaultWriteLayer, deleteFolder } from './atomic';
export type { Manifest, ManifestFile, ManifestRead } from './manifest';
export { readManifest } from './manifest';
export type { Verification } from './verify';
export { checkManifestIntegrity, hashFile, verifyFolder } from './verify';
export type { FolderInfo, RunListing } from './listing';
export { latestValid, listFolders, listRun, setPinned } from './listing';
export type { PreservationPolicy, RotationOptions } from './rotation';
export { keepBest, keepNewest, keepPaths, keepPinned, policiesFor, rotate, selectForDeletion } from './rotation';
export { LOCK_NAME, LockHeldError, acquireLock } from './lock';
export type { LogEntry, TrainerState } from './trainerState';
export { readTrainerState } from './trainerState';
export type { SupersedeResult, SupersededFolder } from './supersede';
export { SUPERSEDED_PREFIX, listSuperseded, parseSupersededTime, supersedeFoldersAfter, supersededName } from './supersede';
export { formatBytes } from './size';

/**
 * Commits a folder and then rotates its siblings. Rotation runs only when the commit succeeded, so a failed
 * save never deletes an older folder, and it always keeps the new folder, even when older runs left higher steps.
 * Returns the new folder's path and the deleted paths.
 */
export async function saveAndRotate(
  parentDir: string, kind: FolderKind, step: number, files: FileToWrite[],
  options: CommitOptions & { rotation?: RotationOptions } = {},
): Promise<{ path: string; deleted: string[] }> {
  const saved = await commitFolder(parentDir, kind, step, files, options);
  const rotation = options.rotation;
  const deleted = rotation
    ? await rotate(parentDir, kind, { ...rotation, protect: [...(rotation.protect ?? []), saved] })
    : [];
  return { path: saved, deleted };
}
