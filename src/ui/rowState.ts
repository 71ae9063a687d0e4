// The state and contextValue of a saved folder's tree row. This file must not import vscode, so the unit
// tests can load it in plain Node; package.json menus match the contextValue with `viewItem =~ /…/`.
import type { FolderInfo, Verification } from '../core';

/** State a folder row shows; it is the second part of the row's contextValue. */
export type FolderState = 'ok' | 'unverified' | 'incomplete' | 'corrupt';

/**
 * Works out the row state: a verification result wins. Without one, a folder of ours is `ok` when its manifest
 * is complete (hashes not checked yet), and a HuggingFace or unknown folder is `unverified`.
 */
export function folderState(info: Pick<FolderInfo, 'format' | 'complete'>, verification: Verification | undefined): FolderState {
  if (verification !== undefined) {
    return verification.state;
  }
  if (info.format !== 'ours') {
    return 'unverified';
  }
  return info.complete ? 'ok' : 'incomplete';
}

/**
 * Builds the contextValue of a folder row: kind, then state, then `.pinned`, `.best`, and `.readonly` for
 * HuggingFace folders and for folders inside a `superseded-*` folder.
 */
export function folderContextValue(
  info: Pick<FolderInfo, 'kind' | 'pinned' | 'format'>, state: FolderState, best: boolean, superseded = false,
): string {
  let value = `${info.kind}.${state}`;
  if (info.pinned) {
    value += '.pinned';
  }
  if (best) {
    value += '.best';
  }
  if (info.format !== 'ours' || superseded) {
    value += '.readonly';
  }
  return value;
}

/**
 * Finds the folders a restore must warn about among the folders it moves aside: the pinned ones, and the best
 * checkpoint when its path is among them. Returns folder names.
 */
export function protectedAmong(moved: ReadonlyArray<Pick<FolderInfo, 'name' | 'path' | 'pinned'>>, bestPath: string | undefined): { pinned: string[]; best?: string } {
  const pinned = moved.filter((info) => info.pinned).map((info) => info.name);
  const best = bestPath === undefined ? undefined : moved.find((info) => info.path === bestPath)?.name;
  return { pinned, best };
}
