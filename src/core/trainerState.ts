// Reading `trainer_state.json` as written by this extension and by HuggingFace Trainer (same snake_case keys),
// and the summary numbers (epoch, loss, metrics) that listings show.

import * as path from 'node:path';
import * as fs from 'fs-extra';

export interface LogEntry {
  step: number;
  loss?: number;
  epoch?: number;
  [metric: string]: number | undefined;
}

export interface TrainerState {
  globalStep: number;
  epoch?: number;
  maxSteps?: number;
  logHistory: LogEntry[];
  bestMetric?: number;
  bestModelCheckpoint?: string;
  /** Keys other than the ones above keep their original snake_case names, e.g. rng_state and data_cursor. */
  [extra: string]: unknown;
}

export const TRAINER_STATE_NAME = 'trainer_state.json';
export const BACKUP_STATE_NAME = 'backup_state.json';

const KNOWN_KEYS = new Set(['global_step', 'epoch', 'max_steps', 'log_history', 'best_metric', 'best_model_checkpoint']);

function finiteNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function toLogEntry(value: unknown): LogEntry | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const source = value as Record<string, unknown>;
  const step = finiteNumber(source.step);
  if (step === undefined) {
    return undefined;
  }
  const entry: LogEntry = { step };
  for (const [key, item] of Object.entries(source)) {
    const number = finiteNumber(item);
    if (number !== undefined) entry[key] = number;
  }
  return entry;
}

/** Converts parsed trainer_state.json to a TrainerState. Throws when global_step is missing or not a number. */
export function toTrainerState(value: unknown, source: string): TrainerState {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${source} is not a JSON object.`);
  }
  const raw = value as Record<string, unknown>;
  const globalStep = finiteNumber(raw.global_step);
  if (globalStep === undefined) {
    throw new Error(`${source} has no numeric "global_step".`);
  }
  const history = Array.isArray(raw.log_history) ? raw.log_history : [];
  const state: TrainerState = {
    globalStep,
    logHistory: history.map(toLogEntry).filter((entry): entry is LogEntry => entry !== undefined),
  };
  const epoch = finiteNumber(raw.epoch);
  if (epoch !== undefined) state.epoch = epoch;
  const maxSteps = finiteNumber(raw.max_steps);
  if (maxSteps !== undefined) state.maxSteps = maxSteps;
  const bestMetric = finiteNumber(raw.best_metric);
  if (bestMetric !== undefined) state.bestMetric = bestMetric;
  if (typeof raw.best_model_checkpoint === 'string') state.bestModelCheckpoint = raw.best_model_checkpoint;
  for (const [key, item] of Object.entries(raw)) {
    if (!KNOWN_KEYS.has(key)) state[key] = item;
  }
  return state;
}

/**
 * Reads `<dir>/trainer_state.json` (ours or HuggingFace's). Returns undefined when the file does not exist, and
 * throws an error naming the file when it is not valid JSON or has no global_step.
 */
export async function readTrainerState(dir: string): Promise<TrainerState | undefined> {
  const file = path.join(dir, TRAINER_STATE_NAME);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${(error as Error).message}); check whether the save was interrupted.`);
  }
  return toTrainerState(value, file);
}

export interface Summary {
  epoch?: number;
  loss?: number;
  metrics: Record<string, number>;
}

/** Returns the last logged loss, e.g. the newest training loss in log_history. */
export function lastLoss(state: TrainerState): number | undefined {
  for (let index = state.logHistory.length - 1; index >= 0; index--) {
    const loss = state.logHistory[index].loss;
    if (loss !== undefined) return loss;
  }
  return undefined;
}

/**
 * Collects the summary of a trainer state: epoch, last loss and every number logged at global_step
 * (HuggingFace logs eval_loss and other evaluation metrics as separate entries with the same step).
 */
export function summarizeTrainerState(state: TrainerState): Summary {
  const metrics: Record<string, number> = {};
  for (const entry of state.logHistory) {
    if (entry.step !== state.globalStep) continue;
    for (const [key, value] of Object.entries(entry)) {
      if (value !== undefined && key !== 'step') metrics[key] = value;
    }
  }
  return { epoch: state.epoch, loss: lastLoss(state), metrics };
}

/** Collects the summary of a backup_state.json object ({ step, epoch, loss, ...metrics }). */
export function summarizeBackupState(value: unknown): Summary {
  const metrics: Record<string, number> = {};
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const number = finiteNumber(item);
      if (number !== undefined && key !== 'step') metrics[key] = number;
    }
  }
  return { epoch: metrics.epoch, loss: metrics.loss, metrics };
}

/** Merges numeric fields of commit metadata over a summary: metadata given by the caller wins. */
export function mergeMetaIntoSummary(summary: Summary, meta: Record<string, unknown> | undefined): Summary {
  const merged: Summary = { ...summary, metrics: { ...summary.metrics } };
  for (const [key, value] of Object.entries(meta ?? {})) {
    const number = finiteNumber(value);
    if (number === undefined || key === 'step') continue;
    merged.metrics[key] = number;
    if (key === 'epoch') merged.epoch = number;
    if (key === 'loss') merged.loss = number;
  }
  if (merged.epoch === undefined) delete merged.epoch;
  if (merged.loss === undefined) delete merged.loss;
  return merged;
}
