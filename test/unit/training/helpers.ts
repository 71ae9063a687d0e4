// Shared set-up of the training tests: temporary run folders, configs for the small custom recipe, and a
// reporter that records every protocol message.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChildMessage } from '../../../src/protocol';
import type { TrainerCallback } from '../../../src/training/callbacks';
import { runSession } from '../../../src/training/session';
import type { Trainer } from '../../../src/training/trainer';

/** The repository root, from out/test/unit/training. */
export const repoRoot = path.resolve(__dirname, '../../../..');
export const customRecipe = path.join(repoRoot, 'examples/custom/recipe.js');

export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `tb-${prefix}-`));
}

/** Writes training.json into `dir` for the custom recipe (16 steps per epoch) and returns its path. */
export function writeConfig(dir: string, overrides: Record<string, unknown> = {}): string {
  const config = {
    recipe: customRecipe,
    outputDir: './output',
    backupDir: './backups',
    batchSize: 16,
    learningRate: 0.05,
    saveStrategy: 'no',
    loggingSteps: 5,
    seed: 7,
    backend: 'cpu',
    ...overrides,
  };
  const configPath = path.join(dir, 'training.json');
  fs.writeFileSync(configPath, JSON.stringify(config, null, 2));
  return configPath;
}

export interface Recorder {
  messages: ChildMessage[];
  report: (message: ChildMessage) => void;
  ofType<T extends ChildMessage['type']>(type: T): Array<Extract<ChildMessage, { type: T }>>;
}

export function createRecorder(): Recorder {
  const messages: ChildMessage[] = [];
  return {
    messages,
    report: (message) => messages.push(message),
    ofType: <T extends ChildMessage['type']>(type: T) => messages.filter((m): m is Extract<ChildMessage, { type: T }> => m.type === type),
  };
}

export interface TrainOptions {
  /** The checkpoint to resume from or the backup to restore. */
  from?: string;
  /** Step after which the run is asked to stop gracefully. */
  stopAt?: number;
  /** Check to run on the trainer before its first step. */
  beginCheck?: (trainer: Trainer) => Promise<void>;
}

/** Runs a session and returns its result, the recorded messages and the model's weights as bytes when training ended. */
export async function trainSession(mode: 'train' | 'resume' | 'restore', configPath: string, options: TrainOptions = {}) {
  const recorder = createRecorder();
  let trainer: Trainer | undefined;
  let finalWeights = Buffer.alloc(0);
  const callback: TrainerCallback = {
    onTrainBegin: async () => {
      await options.beginCheck?.(trainer as Trainer);
    },
    onStepEnd: (position) => {
      if (position.step === options.stopAt) {
        trainer?.requestStop();
      }
    },
    onTrainEnd: () => {
      const arrays = (trainer as Trainer).model.getWeights().map((tensor) => tensor.dataSync() as Float32Array);
      finalWeights = Buffer.concat(arrays.map((array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength)));
    },
  };
  const result = await runSession({
    mode,
    configPath,
    from: options.from,
    reporter: recorder.report,
    callbacks: [callback],
    onTrainer: (created) => {
      trainer = created;
    },
  });
  return { result, recorder, finalWeights };
}
