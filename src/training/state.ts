// trainer_state.json: HuggingFace Trainer's snake_case keys (so HF tools can read it) plus what an exact resume
// needs: the PRNG state, the data order of the current epoch and the position inside it.
import type { RandomState } from './random';

export interface LogRecord {
  step: number;
  epoch: number;
  [metric: string]: number;
}

export interface SavedTrainerState {
  global_step: number;
  epoch: number;
  max_steps: number;
  num_train_epochs: number;
  train_batch_size: number;
  log_history: LogRecord[];
  best_metric: number | null;
  best_model_checkpoint: string | null;
  seed: number;
  rng_state: RandomState;
  data_cursor: { epoch_index: number; step_in_epoch: number; num_examples: number };
  /** Example indices of the current epoch in training order; empty at an epoch boundary. */
  data_order: number[];
}

/** Checks the fields an exact resume reads; throws naming the first missing one. */
export function parseTrainerState(text: string, source: string): SavedTrainerState {
  const parsed = JSON.parse(text) as Partial<SavedTrainerState>;
  const required: Array<keyof SavedTrainerState> = ['global_step', 'rng_state', 'data_cursor', 'data_order', 'log_history'];
  for (const key of required) {
    if (parsed[key] === undefined) {
      throw new Error(`${source} has no "${key}": it was not written by this trainer, so it cannot be resumed exactly. Restore a backup instead.`);
    }
  }
  return parsed as SavedTrainerState;
}
