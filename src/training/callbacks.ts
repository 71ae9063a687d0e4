// Trainer callbacks: hooks the training loop calls at fixed points. BackupCallback writes a weights-only backup
// after every checkpoint, and BestMetricCallback warns when metricForBestModel is never evaluated.
import type * as tf from '@tensorflow/tfjs';
import { modelFiles, type ModelSnapshot } from './artifacts';
import type { FolderWriter } from './folder-writer';
import { t } from './l10n';
import { messages } from './messages';
import type { Reporter } from './reporter';

/** A position in training, passed to every callback. */
export interface TrainingPosition {
  step: number;
  /** Fractional epoch, e.g. 1.5 halfway through the second epoch. */
  epoch: number;
  totalSteps: number;
}

export interface LogEntry extends Record<string, number> {
  step: number;
  epoch: number;
}

export interface SaveEvent {
  /** The live model; it may already have trained further. Use `snapshot` for the weights at `state.step`. */
  model: tf.LayersModel;
  snapshot: ModelSnapshot;
  /** tokenizer.json content, or undefined when the recipe has no tokenizer. */
  tokenizer: unknown;
  state: TrainingPosition & { loss?: number };
  checkpointPath: string;
}

export interface TrainerCallback {
  onTrainBegin?(position: TrainingPosition): void | Promise<void>;
  onStepEnd?(position: TrainingPosition, loss: number): void | Promise<void>;
  onLog?(entry: LogEntry): void | Promise<void>;
  onEvaluate?(position: TrainingPosition, metrics: Record<string, number>): void | Promise<void>;
  /** Called after a checkpoint is committed, in the background save; an error here is reported and training goes on. */
  onSave?(event: SaveEvent): void | Promise<void>;
  onTrainEnd?(position: TrainingPosition, reason: 'completed' | 'stopped'): void | Promise<void>;
}

export interface BackupOptions {
  backupDir: string;
  /** Backups to keep; 0 keeps all of them. */
  totalBackupLimit: number;
  reporter: Reporter;
  writer: FolderWriter;
}

/** Writes model weights, the tokenizer and backup_state.json (never optimizer state) into backupDir after each checkpoint. */
export class BackupCallback implements TrainerCallback {
  constructor(private readonly options: BackupOptions) {}

  async onSave(event: SaveEvent): Promise<void> {
    const { backupDir, totalBackupLimit, reporter, writer } = this.options;
    const { step, epoch, loss } = event.state;
    try {
      const files = modelFiles(event.snapshot, event.tokenizer);
      files.push({ name: 'backup_state.json', data: JSON.stringify({ step, epoch, loss }) });
      const { path: backupPath, deleted } = await writer.commitAndRotate({
        parentDir: backupDir,
        kind: 'backup',
        step,
        files,
        meta: { step, epoch, loss },
        rotation: { keepNewest: totalBackupLimit, pinned: true },
      });
      reporter({ type: 'saved', kind: 'backup', path: backupPath, step, loss });
      reporter({ type: 'log', level: 'info', component: 'backup', message: t(messages.backupSaved, step, backupPath) });
      if (deleted.length > 0) {
        reporter({ type: 'rotated', kind: 'backup', deleted });
        reporter({ type: 'log', level: 'info', component: 'backup', message: t(messages.rotated, deleted.join(', ')) });
      }
    } catch (error) {
      const message = t(messages.backupFailed, step, (error as Error).message);
      reporter({ type: 'error', message, fatal: false });
      reporter({ type: 'log', level: 'error', component: 'backup', message });
    }
  }
}

/**
 * Warns once, after the first evaluation, when metricForBestModel is not among its metrics, because then no
 * checkpoint is ever recorded as the best.
 * NOTE: a recipe without evaluation data never evaluates, so this callback never runs and sends no warning.
 */
export class BestMetricCallback implements TrainerCallback {
  private checked = false;

  constructor(private readonly metric: string | undefined, private readonly reporter: Reporter) {}

  onEvaluate(_position: TrainingPosition, metrics: Record<string, number>): void {
    if (this.checked || this.metric === undefined) {
      return;
    }
    this.checked = true;
    if (this.metric in metrics) {
      return;
    }
    const message = t(messages.metricNotEvaluated, this.metric, Object.keys(metrics).join(', '));
    this.reporter({ type: 'warning', message });
    this.reporter({ type: 'log', level: 'warn', component: 'trainer', message });
  }
}
