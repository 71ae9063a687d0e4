// Public API of the checkpoint store. Stub bodies: the real implementation follows.

export type FolderKind = 'checkpoint' | 'backup';

export interface FileToWrite {
  name: string;
  data: Uint8Array | string;
}

export type Verification =
  | { state: 'ok' }
  | { state: 'corrupt'; file: string; reason: string }
  | { state: 'incomplete'; reason: string }
  | { state: 'unverified'; reason: string };

export interface FolderInfo {
  kind: FolderKind;
  step: number;
  name: string;
  path: string;
  format: 'ours' | 'huggingface' | 'unknown';
  complete: boolean;
  verification?: Verification;
  created?: Date;
  sizeBytes: number;
  epoch?: number;
  loss?: number;
  pinned: boolean;
}

export interface RotationOptions {
  keepNewest?: number;
  pinned?: boolean;
  best?: { metric: string; greaterIsBetter: boolean };
  protect?: string[];
}

export interface TrainerState {
  globalStep: number;
  epoch?: number;
  maxSteps?: number;
  logHistory: Array<{ step: number; loss?: number; epoch?: number; [metric: string]: number | undefined }>;
  bestMetric?: number;
  bestModelCheckpoint?: string;
  [extra: string]: unknown;
}

export interface RunListing {
  outputDir: string;
  backupDir: string;
  checkpoints: FolderInfo[];
  backups: FolderInfo[];
}

export class LockHeldError extends Error {
  constructor(message: string, readonly pid: number) {
    super(message);
    this.name = 'LockHeldError';
  }
}

function notImplemented(): never {
  throw new Error('not implemented yet');
}

export function folderName(kind: FolderKind, step: number): string {
  return kind === 'checkpoint' ? `checkpoint-${step}` : `model_backup_step-${step}`;
}
export function parseFolderName(_name: string): { kind: FolderKind; step: number } | undefined {
  return notImplemented();
}
export async function commitFolder(_parentDir: string, _kind: FolderKind, _step: number, _files: FileToWrite[],
  _options?: { meta?: Record<string, unknown> }): Promise<string> { return notImplemented(); }
export async function verifyFolder(_dir: string): Promise<Verification> { return notImplemented(); }
export async function listFolders(_parentDir: string, _kind: FolderKind): Promise<FolderInfo[]> { return notImplemented(); }
export async function latestValid(_parentDir: string, _kind: FolderKind): Promise<FolderInfo | undefined> { return notImplemented(); }
export async function rotate(_parentDir: string, _kind: FolderKind, _options: RotationOptions): Promise<string[]> { return notImplemented(); }
export async function acquireLock(_dir: string, _owner?: string): Promise<{ release(): Promise<void> }> { return notImplemented(); }
export async function cleanStaleTemp(_parentDir: string): Promise<string[]> { return notImplemented(); }
export async function readTrainerState(_dir: string): Promise<TrainerState | undefined> { return notImplemented(); }
export async function setPinned(_dir: string, _pinned: boolean): Promise<void> { return notImplemented(); }
export async function deleteFolder(_dir: string): Promise<void> { return notImplemented(); }
export async function listRun(_outputDir: string, _backupDir: string): Promise<RunListing> { return notImplemented(); }
