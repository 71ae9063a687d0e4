// Typed messages between the extension host and the training child process (sent over the IPC channel
// of child_process.fork). This file imports nothing, so both sides can use it.

export type SavedKind = 'checkpoint' | 'backup';
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** Messages the training process sends to its parent. */
export type ChildMessage =
  | {
      type: 'started';
      runName: string;
      backend: BackendName;
      /** One line per better backend that was skipped, with the reason. */
      skippedBackends: string[];
      startStep: number;
      totalSteps: number;
      outputDir: string;
      backupDir: string;
      /** Set when the run continues a checkpoint or starts from a backup. */
      resumedFrom?: { kind: SavedKind; step: number; path: string };
    }
  | {
      type: 'progress';
      step: number;
      totalSteps: number;
      epoch: number;
      loss: number;
      learningRate: number;
      stepsPerSecond: number;
      etaSeconds: number;
    }
  | { type: 'log'; level: LogLevel; component: string; message: string }
  | { type: 'saved'; kind: SavedKind; path: string; step: number; loss?: number }
  | { type: 'rotated'; kind: SavedKind; deleted: string[] }
  | { type: 'evaluation'; step: number; metrics: Record<string, number> }
  | { type: 'warning'; message: string }
  | { type: 'error'; message: string; fatal: boolean }
  | {
      type: 'finished';
      reason: 'completed' | 'stopped';
      step: number;
      metrics: Record<string, number>;
      /** Number of checkpoint saves of this run that failed; absent or 0 when every save succeeded. */
      failedSaves?: number;
    };

/** Commands the parent sends to the training process. */
export type ParentCommand =
  | { type: 'stop' } // finish the current step, save a checkpoint, exit 0
  | { type: 'saveNow' }; // save a checkpoint (and its backup) after the current step

/** Launch request from the parent, passed as JSON in argv[2] of the forked entry. */
export interface ChildLaunch {
  mode: 'train' | 'resume' | 'restore';
  configPath: string;
  /** For resume: the checkpoint folder (latest valid when omitted). For restore: the backup folder. */
  from?: string;
  /** Forces a backend instead of the automatic choice. */
  backend?: 'auto' | BackendName;
  /** Path of the l10n bundle file (e.g. bundle.l10n.ru.json) whose strings the child uses. */
  l10nBundle?: string;
  /**
   * Values from the editor settings for keys that training.json leaves out. A relative backupDir resolves
   * against the folder of training.json, as the keys of training.json do.
   */
  configDefaults?: { backupDir?: string; saveTotalLimit?: number; totalBackupLimit?: number };
}

export function isChildMessage(value: unknown): value is ChildMessage {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
