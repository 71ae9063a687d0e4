// Shared set-up of the training tests: temporary run folders, configs for the small custom recipe, and a
// reporter that records every protocol message.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChildMessage } from '../../../src/protocol';

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
