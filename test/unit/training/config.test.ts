import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig, parseConfigText, validateConfig } from '../../../src/training/config';
import { loadBundle } from '../../../src/training/l10n';
import { makeTempDir } from './helpers';

describe('training config', () => {
  let dir: string;
  let configPath: string;
  const base = { recipe: 'spam', outputDir: './output', backupDir: './backups' };

  before(() => {
    dir = makeTempDir('config');
    configPath = path.join(dir, 'training.json');
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function errorsOf(json: unknown): string[] {
    const result = validateConfig(json, configPath);
    assert.equal(result.ok, false, 'expected the config to be rejected');
    return result.ok ? [] : result.errors;
  }

  it('resolves paths and fills defaults', () => {
    const result = validateConfig({ ...base, saveSteps: 50 }, configPath);
    assert.ok(result.ok);
    assert.equal(result.config.outputDir, path.join(dir, 'output'));
    assert.equal(result.config.backupDir, path.join(dir, 'backups'));
    assert.equal(result.config.saveSteps, 50);
    assert.equal(result.config.batchSize, 32);
    assert.equal(result.config.backend, 'auto');
  });

  it('infers greaterIsBetter from the metric name', () => {
    const lossConfig = validateConfig({ ...base, metricForBestModel: 'eval_loss' }, configPath);
    const accuracyConfig = validateConfig({ ...base, metricForBestModel: 'eval_accuracy' }, configPath);
    assert.ok(lossConfig.ok);
    assert.ok(accuracyConfig.ok);
    assert.equal(lossConfig.config.greaterIsBetter, false);
    assert.equal(accuracyConfig.config.greaterIsBetter, true);
  });

  it('takes defaults for missing keys only', () => {
    const result = validateConfig({ recipe: 'spam', outputDir: './out', saveTotalLimit: 4 }, configPath, {
      backupDir: './from-settings',
      saveTotalLimit: 9,
      totalBackupLimit: 2,
    });
    assert.ok(result.ok);
    assert.equal(result.config.backupDir, path.join(dir, 'from-settings'));
    assert.equal(result.config.saveTotalLimit, 4);
    assert.equal(result.config.totalBackupLimit, 2);
  });

  it('puts backups beside the config by default', () => {
    const result = validateConfig({ recipe: 'spam', outputDir: './out' }, configPath);
    assert.ok(result.ok);
    assert.equal(result.config.backupDir, path.join(dir, 'backups'));
  });

  const invalidCases: Array<[string, Record<string, unknown>, string]> = [
    ['zero saveSteps', { saveSteps: 0 }, 'saveSteps: 0 is invalid: expected a positive integer (steps between checkpoints)'],
    ['fractional batchSize', { batchSize: 2.5 }, 'batchSize: 2.5 is invalid: expected a positive integer (examples per step)'],
    ['negative learningRate', { learningRate: -0.1 }, 'learningRate: -0.1 is invalid: expected a positive number (peak learning rate)'],
    ['unknown lrSchedule', { lrSchedule: 'step' }, 'lrSchedule: "step" is invalid: expected one of "constant", "linear", "cosine"'],
    ['unknown saveStrategy', { saveStrategy: 'always' }, 'saveStrategy: "always" is invalid: expected one of "steps", "epoch", "no"'],
    ['negative saveTotalLimit', { saveTotalLimit: -1 }, 'saveTotalLimit: -1 is invalid: expected a non-negative integer (checkpoints to keep, 0 = all)'],
    ['string totalBackupLimit', { totalBackupLimit: '5' }, 'totalBackupLimit: "5" is invalid: expected a non-negative integer (backups to keep, 0 = all)'],
    ['unknown backend', { backend: 'gpu' }, 'backend: "gpu" is invalid: expected one of "auto", "tensorflow-gpu", "tensorflow", "wasm", "cpu"'],
    ['seed out of range', { seed: 2 ** 33 }, 'seed: 8589934592 is invalid: expected an integer from 0 to 4294967295'],
    ['zero epochs', { epochs: 0 }, 'epochs: 0 is invalid: expected a positive integer (passes over the training data)'],
    ['zero maxSteps', { maxSteps: 0 }, 'maxSteps: 0 is invalid: expected a positive integer (total optimizer steps)'],
    ['negative warmupSteps', { warmupSteps: -5 }, 'warmupSteps: -5 is invalid: expected a non-negative integer (steps of linear warmup)'],
    ['bad metric name', { metricForBestModel: 'eval loss' }, 'metricForBestModel: "eval loss" is invalid: expected a metric name such as "eval_loss" or "eval_accuracy"'],
    ['unknown recipe', { recipe: 'mnist' }, 'recipe: "mnist" is invalid: expected a built-in recipe ("spam", "spam-embedding") or a path to a .js module'],
  ];

  for (const [name, change, expected] of invalidCases) {
    it(`rejects ${name}`, () => {
      assert.deepEqual(errorsOf({ ...base, ...change }), [expected]);
    });
  }

  it('rejects an unknown field', () => {
    const [error] = errorsOf({ ...base, saveStep: 10 });
    assert.match(error, /^Unknown field "saveStep": allowed fields are outputDir, backupDir, epochs, maxSteps, /);
  });

  it('rejects a missing outputDir', () => {
    assert.deepEqual(errorsOf({ recipe: 'spam', backupDir: './b' }), [
      'outputDir is missing: expected a folder path for checkpoints, relative to the config file',
    ]);
  });

  it('rejects the same outputDir and backupDir', () => {
    assert.deepEqual(errorsOf({ ...base, backupDir: './output/' }), [
      `backupDir: "${path.join(dir, 'output')}" is invalid: it is the same folder as outputDir; backups must live apart from checkpoints`,
    ]);
  });

  it('rejects backupDir inside a checkpoint folder', () => {
    const backupDir = path.join(dir, 'output', 'checkpoint-500', 'backups');
    assert.deepEqual(errorsOf({ ...base, backupDir: './output/checkpoint-500/backups' }), [
      `backupDir: "${backupDir}" is invalid: it is inside the checkpoint folder checkpoint-500, which rotation deletes`,
    ]);
  });

  it('accepts backupDir beside checkpoints inside outputDir', () => {
    assert.ok(validateConfig({ ...base, backupDir: './output/backups' }, configPath).ok);
  });

  it('rejects a recipe module that does not exist', () => {
    assert.deepEqual(errorsOf({ ...base, recipe: './missing.js' }), [
      `recipe: "./missing.js" is invalid: the module ${path.join(dir, 'missing.js')} does not exist`,
    ]);
  });

  it('lists every invalid field at once', () => {
    assert.equal(errorsOf({ ...base, saveSteps: 0, batchSize: 0, backend: 'x' }).length, 3);
  });

  it('reports where malformed JSON breaks', () => {
    const result = parseConfigText('{\n  "recipe": "spam",\n  "outputDir": "./o"\n  "backupDir": "./b"\n}\n', configPath);
    assert.ok(!result.ok);
    assert.deepEqual(result.errors, ['Malformed JSON at line 4, column 3: CommaExpected. Fix the syntax and try again']);
  });

  it('names the file when loading fails', () => {
    fs.writeFileSync(configPath, JSON.stringify({ ...base, batchSize: 0 }));
    assert.throws(() => loadConfig(configPath), (error: Error) => {
      assert.equal(error.message, `Invalid training config ${configPath}:\n  - batchSize: 0 is invalid: expected a positive integer (examples per step)`);
      return true;
    });
  });

  describe('with the Russian bundle', () => {
    before(() => loadBundle(path.join(__dirname, '..', '..', '..', '..', 'l10n', 'bundle.l10n.ru.json')));
    after(() => loadBundle(undefined));

    it('translates field problems', () => {
      const errors = errorsOf({ ...base, batchSize: 0, lrSchedule: 'step', save_steps: 5 });

      assert.equal(errors.length, 3);
      assert.equal(errors[0], 'batchSize: недопустимое значение 0: ожидается положительное целое число (примеров на шаг)');
      assert.equal(errors[1], 'lrSchedule: недопустимое значение "step": ожидается одно из значений "constant", "linear", "cosine"');
      assert.match(errors[2], /^Неизвестное поле "save_steps": допустимые поля: outputDir, backupDir, /);
    });

    it('translates missing fields and bad JSON', () => {
      assert.deepEqual(errorsOf({ recipe: 'spam' }), ['Не задано поле outputDir: ожидается путь к папке контрольных точек относительно файла конфигурации']);
      const parsed = parseConfigText('{"recipe": }', configPath);
      assert.equal(parsed.ok, false);
      assert.match(parsed.ok ? '' : parsed.errors[0], /^Некорректный JSON в строке 1, столбце 12: /);
    });

    it('keeps the English header line', () => {
      fs.writeFileSync(configPath, JSON.stringify({ ...base, epochs: -1 }));
      assert.throws(() => loadConfig(configPath), (error: Error) => {
        assert.equal(error.message, `Invalid training config ${configPath}:\n  - epochs: недопустимое значение -1: ожидается положительное целое число (проходов по обучающим данным)`);
        return true;
      });
    });
  });
});
