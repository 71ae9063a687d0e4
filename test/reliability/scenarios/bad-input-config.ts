// Bad run configs: each case is the text of a training.json and the exact message validation must give.
// The same cases are also run through the CLI (when it is built) with saved folders beside the config,
// which must stay byte-for-byte unchanged.
import * as path from 'node:path';

export interface ConfigCase {
  name: string;
  /** The training.json text; "{{dir}}" is replaced by the folder that contains the config. */
  text: string;
  /** The exact messages expected; "{{dir}}" is replaced as above. Empty for a config that must be valid. */
  errors: string[];
}

const valid = { outputDir: 'output', backupDir: 'backups', recipe: 'spam', maxSteps: 4, saveSteps: 2, backend: 'cpu' };

function withFields(fields: Record<string, unknown>): string {
  return JSON.stringify({ ...valid, ...fields }, null, 2);
}

function without(field: keyof typeof valid): string {
  const copy: Record<string, unknown> = { ...valid };
  delete copy[field];
  return JSON.stringify(copy);
}

export const configCases: ConfigCase[] = [
  {
    name: 'malformed JSON: trailing comma',
    text: '{\n  "outputDir": "output",\n}',
    errors: ['Malformed JSON at line 3, column 1: PropertyNameExpected. Fix the syntax and try again'],
  },
  {
    name: 'malformed JSON: cut off',
    text: '{\n  "outputDir": "outp',
    errors: ['Malformed JSON at line 2, column 16: UnexpectedEndOfString. Fix the syntax and try again'],
  },
  { name: 'JSON array', text: '[1, 2]', errors: ['The config must be a JSON object, but it is [1,2]'] },
  { name: 'JSON null', text: 'null', errors: ['The config must be a JSON object, but it is null'] },
  {
    name: 'batchSize as a string',
    text: withFields({ batchSize: '32' }),
    errors: ['batchSize: "32" is invalid: expected a positive integer (examples per step)'],
  },
  {
    name: 'negative learningRate',
    text: withFields({ learningRate: -0.1 }),
    errors: ['learningRate: -0.1 is invalid: expected a positive number (peak learning rate)'],
  },
  {
    name: 'saveSteps 0',
    text: withFields({ saveSteps: 0 }),
    errors: ['saveSteps: 0 is invalid: expected a positive integer (steps between checkpoints)'],
  },
  {
    name: 'negative saveTotalLimit',
    text: withFields({ saveTotalLimit: -1 }),
    errors: ['saveTotalLimit: -1 is invalid: expected a non-negative integer (checkpoints to keep, 0 = all)'],
  },
  {
    name: 'negative totalBackupLimit',
    text: withFields({ totalBackupLimit: -3 }),
    errors: ['totalBackupLimit: -3 is invalid: expected a non-negative integer (backups to keep, 0 = all)'],
  },
  {
    name: 'fractional totalBackupLimit',
    text: withFields({ totalBackupLimit: 1.5 }),
    errors: ['totalBackupLimit: 1.5 is invalid: expected a non-negative integer (backups to keep, 0 = all)'],
  },
  { name: 'zero limits keep everything', text: withFields({ saveTotalLimit: 0, totalBackupLimit: 0 }), errors: [] },
  {
    name: 'maxSteps 0',
    text: withFields({ maxSteps: 0 }),
    errors: ['maxSteps: 0 is invalid: expected a positive integer (total optimizer steps)'],
  },
  {
    name: 'seed out of range',
    text: withFields({ seed: 4294967296 }),
    errors: ['seed: 4294967296 is invalid: expected an integer from 0 to 4294967295'],
  },
  {
    name: 'outputDir missing',
    text: without('outputDir'),
    errors: ['outputDir is missing: expected a folder path for checkpoints, relative to the config file'],
  },
  {
    name: 'outputDir a number',
    text: withFields({ outputDir: 42 }),
    errors: ['outputDir: 42 is invalid: expected a folder path for checkpoints, relative to the config file'],
  },
  {
    name: 'outputDir equals backupDir',
    text: withFields({ backupDir: './output/' }),
    errors: ['backupDir: "{{dir}}/output" is invalid: it is the same folder as outputDir; backups must live apart from checkpoints'],
  },
  {
    name: 'backupDir inside a checkpoint',
    text: withFields({ backupDir: 'output/checkpoint-2/backups' }),
    errors: ['backupDir: "{{dir}}/output/checkpoint-2/backups" is invalid: it is inside the checkpoint folder checkpoint-2, which rotation deletes'],
  },
  {
    name: 'outputDir inside backupDir',
    text: withFields({ outputDir: 'backups/output' }),
    errors: ['outputDir: "{{dir}}/backups/output" is invalid: it is inside backupDir; checkpoints must live apart from backups'],
  },
  {
    name: 'HuggingFace field name',
    text: withFields({ save_steps: 2 }),
    errors: [
      'Unknown field "save_steps": allowed fields are outputDir, backupDir, epochs, maxSteps, batchSize, learningRate, ' +
        'lrSchedule, warmupSteps, seed, saveStrategy, saveSteps, saveTotalLimit, totalBackupLimit, loggingSteps, ' +
        'evalSteps, metricForBestModel, greaterIsBetter, recipe, backend',
    ],
  },
  {
    name: 'saveStrategy unknown',
    text: withFields({ saveStrategy: 'sometimes' }),
    errors: ['saveStrategy: "sometimes" is invalid: expected one of "steps", "epoch", "no"'],
  },
  {
    name: 'backend unknown',
    text: withFields({ backend: 'tpu' }),
    errors: ['backend: "tpu" is invalid: expected one of "auto", "tensorflow-gpu", "tensorflow", "wasm", "cpu"'],
  },
  {
    name: 'recipe module missing',
    text: withFields({ recipe: './missing-recipe.js' }),
    errors: ['recipe: "./missing-recipe.js" is invalid: the module {{dir}}/missing-recipe.js does not exist'],
  },
  {
    name: 'best metric without saving',
    text: withFields({ saveStrategy: 'no', metricForBestModel: 'eval_loss' }),
    errors: ['metricForBestModel: it needs saved checkpoints, but saveStrategy is "no"'],
  },
];

export function fillDir(text: string, dir: string): string {
  return text.split('{{dir}}').join(dir.split(path.sep).join('/'));
}
