// The run config (training.json): parsing, validation with messages that name the field, the value and what
// is allowed, and path resolution relative to the config file. Imports no tfjs, so the extension host can use it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import type { BackendName, ChildLaunch } from '../protocol';
import { t } from './l10n';
import { messages } from './messages';
import { builtInRecipeNames } from './recipes/names';

export type LrSchedule = 'constant' | 'linear' | 'cosine';
export type SaveStrategy = 'steps' | 'epoch' | 'no';
export const backendChoices = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;

/** A validated run config with absolute paths and defaults filled in. */
export interface TrainingConfig {
  configPath: string;
  outputDir: string;
  backupDir: string;
  /** Epochs to train when `maxSteps` is not set. */
  epochs: number;
  /** Total optimizer steps; overrides `epochs` when set. */
  maxSteps?: number;
  batchSize: number;
  learningRate: number;
  lrSchedule: LrSchedule;
  warmupSteps: number;
  seed: number;
  saveStrategy: SaveStrategy;
  saveSteps: number;
  /** Checkpoints to keep; 0 keeps all of them. */
  saveTotalLimit: number;
  /** Backups to keep; 0 keeps all of them. */
  totalBackupLimit: number;
  loggingSteps: number;
  /** Steps between evaluations; when unset, the run evaluates at every checkpoint and at the end. */
  evalSteps?: number;
  metricForBestModel?: string;
  greaterIsBetter?: boolean;
  /** A built-in recipe name or the absolute path of a user's JS module. */
  recipe: string;
  backend: 'auto' | BackendName;
}

/** Values for keys that training.json leaves out, e.g. from the editor settings; relative paths resolve like the file's. */
export type ConfigDefaults = NonNullable<ChildLaunch['configDefaults']>;

export type ConfigValidation = { ok: true; config: TrainingConfig } | { ok: false; errors: string[] };

/**
 * A run config that cannot be used; `problems` has one message per invalid field. The problems are translated,
 * but the header line stays English because the editor parses it (src/ui/failure.ts).
 */
export class ConfigError extends Error {
  constructor(readonly configPath: string, readonly problems: string[]) {
    super(`Invalid training config ${configPath}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Check = (value: unknown) => boolean;
interface FieldRule {
  check: Check;
  /** Builds the English or translated description of the allowed values; called at validation time, after the l10n bundle loaded. */
  expected: () => string;
}

const isPositiveInteger: Check = (v) => Number.isInteger(v) && (v as number) > 0;
const isNonNegativeInteger: Check = (v) => Number.isInteger(v) && (v as number) >= 0;
const isNonEmptyString: Check = (v) => typeof v === 'string' && v.trim() !== '';
const oneOf = (values: readonly string[]): Check => (v) => typeof v === 'string' && values.includes(v);
const quoted = (values: readonly string[]): string => values.map((value) => `"${value}"`).join(', ');
const expectOneOf = (values: readonly string[]) => (): string => t(messages.expectedOneOf, quoted(values));

const rules: Record<string, FieldRule> = {
  $schema: { check: (v) => typeof v === 'string', expected: () => t(messages.expectedSchema) },
  outputDir: { check: isNonEmptyString, expected: () => t(messages.expectedOutputDir) },
  backupDir: { check: isNonEmptyString, expected: () => t(messages.expectedBackupDir) },
  epochs: { check: isPositiveInteger, expected: () => t(messages.expectedEpochs) },
  maxSteps: { check: isPositiveInteger, expected: () => t(messages.expectedMaxSteps) },
  batchSize: { check: isPositiveInteger, expected: () => t(messages.expectedBatchSize) },
  learningRate: {
    check: (v) => typeof v === 'number' && Number.isFinite(v) && v > 0,
    expected: () => t(messages.expectedLearningRate),
  },
  lrSchedule: { check: oneOf(['constant', 'linear', 'cosine']), expected: expectOneOf(['constant', 'linear', 'cosine']) },
  warmupSteps: { check: isNonNegativeInteger, expected: () => t(messages.expectedWarmupSteps) },
  seed: {
    check: (v) => isNonNegativeInteger(v) && (v as number) <= 0xffffffff,
    expected: () => t(messages.expectedSeed),
  },
  saveStrategy: { check: oneOf(['steps', 'epoch', 'no']), expected: expectOneOf(['steps', 'epoch', 'no']) },
  saveSteps: { check: isPositiveInteger, expected: () => t(messages.expectedSaveSteps) },
  saveTotalLimit: { check: isNonNegativeInteger, expected: () => t(messages.expectedSaveTotalLimit) },
  totalBackupLimit: { check: isNonNegativeInteger, expected: () => t(messages.expectedTotalBackupLimit) },
  loggingSteps: { check: isPositiveInteger, expected: () => t(messages.expectedLoggingSteps) },
  evalSteps: { check: isPositiveInteger, expected: () => t(messages.expectedEvalSteps) },
  metricForBestModel: {
    check: (v) => typeof v === 'string' && /^(eval_)?[A-Za-z][A-Za-z0-9_]*$/.test(v),
    expected: () => t(messages.expectedMetric),
  },
  greaterIsBetter: { check: (v) => typeof v === 'boolean', expected: () => t(messages.expectedBoolean) },
  recipe: { check: isNonEmptyString, expected: () => t(messages.expectedRecipe, quoted(builtInRecipeNames)) },
  backend: { check: oneOf(backendChoices), expected: expectOneOf(backendChoices) },
};

const requiredFields = ['outputDir', 'recipe'];

/** Backup folder of a config that names none, relative to the config file; the editor uses the same default. */
export const defaultBackupDir = 'backups';

/** Every key training.json may contain, in the order of the documentation. */
export const configFields: readonly string[] = Object.keys(rules);

function describeValue(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/** Says whether `recipe` names a JS module rather than a built-in recipe. */
export function isRecipePath(recipe: string): boolean {
  return /[\\/]/.test(recipe) || /\.(c|m)?js$/.test(recipe);
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** Rejects folder layouts where rotation of one kind could delete the other kind. */
function checkFolders(outputDir: string, backupDir: string): string[] {
  if (outputDir === backupDir) {
    return [t(messages.configSameFolders, backupDir)];
  }
  const relative = path.relative(outputDir, backupDir);
  const firstPart = relative.split(path.sep)[0];
  if (isInside(backupDir, outputDir) && /^checkpoint-\d+$/.test(firstPart)) {
    return [t(messages.configBackupInCheckpoint, backupDir, firstPart)];
  }
  if (isInside(outputDir, backupDir)) {
    return [t(messages.configOutputInBackup, outputDir)];
  }
  return [];
}

/** Validates a parsed training.json and resolves its paths relative to `configPath`. */
export function validateConfig(json: unknown, configPath: string, defaults: ConfigDefaults = {}): ConfigValidation {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, errors: [t(messages.configNotObject, describeValue(json))] };
  }
  const input: Record<string, unknown> = { ...(json as Record<string, unknown>) };
  for (const [field, value] of Object.entries(defaults)) {
    if (value !== undefined && input[field] === undefined) {
      input[field] = value;
    }
  }
  const errors: string[] = [];

  for (const [field, value] of Object.entries(input)) {
    const rule = rules[field];
    if (!rule) {
      errors.push(t(messages.configUnknownField, field, Object.keys(rules).filter((f) => f !== '$schema').join(', ')));
    } else if (!rule.check(value)) {
      errors.push(t(messages.configFieldInvalid, field, describeValue(value), rule.expected()));
    }
  }
  for (const field of requiredFields) {
    if (input[field] === undefined) {
      errors.push(t(messages.configFieldMissing, field, rules[field].expected()));
    }
  }
  if (errors.length > 0) {
    return { ok: false, errors };
  }

  const baseDir = path.dirname(path.resolve(configPath));
  const outputDir = path.resolve(baseDir, input.outputDir as string);
  const backupDir = path.resolve(baseDir, (input.backupDir as string | undefined) ?? defaultBackupDir);
  errors.push(...checkFolders(outputDir, backupDir));

  let recipe = input.recipe as string;
  if (isRecipePath(recipe)) {
    recipe = path.resolve(baseDir, recipe);
    if (!fs.existsSync(recipe)) {
      errors.push(t(messages.configRecipeNotFound, input.recipe as string, recipe));
    }
  } else if (!(builtInRecipeNames as readonly string[]).includes(recipe)) {
    errors.push(t(messages.configRecipeUnknown, recipe, rules.recipe.expected()));
  }
  if (input.saveStrategy === 'no' && input.metricForBestModel !== undefined) {
    errors.push(t(messages.configBestMetricWithoutSaves));
  }
  if (errors.length > 0) {
    return { ok: false, errors };
  }

  const metric = input.metricForBestModel as string | undefined;
  const config: TrainingConfig = {
    configPath: path.resolve(configPath),
    outputDir,
    backupDir,
    epochs: (input.epochs as number | undefined) ?? 3,
    maxSteps: input.maxSteps as number | undefined,
    batchSize: (input.batchSize as number | undefined) ?? 32,
    learningRate: (input.learningRate as number | undefined) ?? 0.001,
    lrSchedule: (input.lrSchedule as LrSchedule | undefined) ?? 'constant',
    warmupSteps: (input.warmupSteps as number | undefined) ?? 0,
    seed: (input.seed as number | undefined) ?? 42,
    saveStrategy: (input.saveStrategy as SaveStrategy | undefined) ?? 'steps',
    saveSteps: (input.saveSteps as number | undefined) ?? 500,
    saveTotalLimit: (input.saveTotalLimit as number | undefined) ?? 0,
    totalBackupLimit: (input.totalBackupLimit as number | undefined) ?? 0,
    loggingSteps: (input.loggingSteps as number | undefined) ?? 10,
    evalSteps: input.evalSteps as number | undefined,
    metricForBestModel: metric,
    // Like HuggingFace Trainer: a metric whose name ends in "loss" is better when lower.
    greaterIsBetter: metric === undefined ? undefined : ((input.greaterIsBetter as boolean | undefined) ?? !metric.endsWith('loss')),
    recipe,
    backend: (input.backend as TrainingConfig['backend'] | undefined) ?? 'auto',
  };
  return { ok: true, config };
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/** Parses the text of training.json; a syntax error names the line and column. */
export function parseConfigText(text: string, configPath: string, defaults: ConfigDefaults = {}): ConfigValidation {
  const parseErrors: ParseError[] = [];
  const json: unknown = parseJsonc(text, parseErrors, { disallowComments: true, allowTrailingComma: false });
  if (parseErrors.length > 0) {
    const first = parseErrors[0];
    const { line, column } = lineAndColumn(text, first.offset);
    return {
      ok: false,
      errors: [t(messages.configMalformedJson, line, column, printParseErrorCode(first.error))],
    };
  }
  return validateConfig(json, configPath, defaults);
}

/** Reads, parses and validates a config file; throws ConfigError naming every problem. */
export function loadConfig(configPath: string, defaults: ConfigDefaults = {}): TrainingConfig {
  let text: string;
  try {
    text = fs.readFileSync(configPath, 'utf8');
  } catch (error) {
    throw new ConfigError(configPath, [t(messages.configUnreadable, (error as Error).message)]);
  }
  const result = parseConfigText(text, configPath, defaults);
  if (!result.ok) {
    throw new ConfigError(configPath, result.errors);
  }
  return result.config;
}
