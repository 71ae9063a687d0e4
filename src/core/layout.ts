// Folder names of the checkpoint store: `checkpoint-<step>` for full checkpoints and
// `model_backup_step-<step>` for weights-only backups, the names HuggingFace Trainer uses.

export type FolderKind = 'checkpoint' | 'backup';

const PREFIXES: Record<FolderKind, string> = {
  checkpoint: 'checkpoint-',
  backup: 'model_backup_step-',
};

// Digits without a leading zero, so `checkpoint-007` is a foreign name that nothing here touches.
const NAME_PATTERN = /^(checkpoint-|model_backup_step-)(0|[1-9][0-9]*)$/;

/** Name of the manifest that marks a folder complete. It is written last. */
export const MANIFEST_NAME = 'manifest.json';
/**
 * Prefix of the empty marker file `<parentDir>/.pinned-<folder name>` that pins a folder, so that rotation keeps it.
 * It lives beside the folder, not inside, so listing finds every pin with the one readdir of the parent.
 */
export const PIN_MARKER_PREFIX = '.pinned-';
export const TEMP_PREFIX = '.tmp-';
export const TRASH_PREFIX = '.trash-';

/** Rejects a step that is not a non-negative safe integer, because larger numbers lose digits in a JavaScript number. */
export function checkStep(step: number): void {
  if (!Number.isSafeInteger(step) || step < 0) {
    throw new RangeError(
      `Invalid step ${step}: a step must be an integer from 0 to ${Number.MAX_SAFE_INTEGER} (Number.MAX_SAFE_INTEGER).`,
    );
  }
}

/** Builds the folder name for a step, e.g. 'checkpoint-1200' or 'model_backup_step-1200'. Throws RangeError for an invalid step. */
export function folderName(kind: FolderKind, step: number): string {
  checkStep(step);
  return PREFIXES[kind] + step;
}

export type ParsedName =
  | { kind: FolderKind; step: number }
  | { kind: FolderKind; error: string };

/**
 * Parses a folder name and also reports names that look like ours but carry a step beyond
 * Number.MAX_SAFE_INTEGER, so callers can show why such a folder is left out.
 */
export function parseFolderNameDetailed(name: string): ParsedName | undefined {
  const match = NAME_PATTERN.exec(name);
  if (!match) {
    return undefined;
  }
  const kind: FolderKind = match[1] === PREFIXES.checkpoint ? 'checkpoint' : 'backup';
  const step = Number(match[2]);
  if (!Number.isSafeInteger(step)) {
    return {
      kind,
      error:
        `Step ${match[2]} in folder name "${name}" is larger than ${Number.MAX_SAFE_INTEGER} ` +
        '(Number.MAX_SAFE_INTEGER) and cannot be represented exactly. The folder is left alone; rename it to use it.',
    };
  }
  return { kind, step };
}

/**
 * Parses 'checkpoint-<step>' or 'model_backup_step-<step>'. Returns undefined for any other name,
 * including leading zeros and steps beyond Number.MAX_SAFE_INTEGER (see parseFolderNameDetailed for the reason).
 */
export function parseFolderName(name: string): { kind: FolderKind; step: number } | undefined {
  const parsed = parseFolderNameDetailed(name);
  return parsed && 'step' in parsed ? parsed : undefined;
}

/** Reports whether a process with this id is running on this machine. */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) {
    return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM means the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Files found only in HuggingFace Trainer output. Our folders contain model.json and weights.bin instead.
const HUGGING_FACE_FILES = new Set([
  'model.safetensors',
  'model.safetensors.index.json',
  'pytorch_model.bin',
  'pytorch_model.bin.index.json',
  'adapter_model.safetensors',
  'config.json',
]);

/** Reports whether a folder without our manifest contains HuggingFace Trainer output, judged by its file names. */
export function looksLikeHuggingFace(fileNames: readonly string[]): boolean {
  return fileNames.some((name) => HUGGING_FACE_FILES.has(name));
}
