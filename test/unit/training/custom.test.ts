import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listFolders } from '../../../src/core';
import { configFields, validateConfig } from '../../../src/training/config';
import { resolveRecipe } from '../../../src/training/recipes';
import { runSession } from '../../../src/training/session';
import { createRecorder, customRecipe, makeTempDir, repoRoot } from './helpers';

describe('custom recipe example', function () {
  this.timeout(60000);
  let dir: string;

  before(() => {
    dir = makeTempDir('custom');
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('trains from examples/custom', async () => {
    const example = JSON.parse(fs.readFileSync(path.join(repoRoot, 'examples/custom/training.json'), 'utf8')) as Record<string, unknown>;
    const configPath = path.join(dir, 'training.json');
    fs.writeFileSync(configPath, JSON.stringify({ ...example, $schema: undefined, recipe: customRecipe, backend: 'cpu' }));
    const recorder = createRecorder();

    const result = await runSession({ mode: 'train', configPath, reporter: recorder.report });

    assert.equal(result.reason, 'completed');
    assert.equal(result.step, (example.epochs as number) * 16);
    assert.ok(result.metrics.eval_accuracy >= 0.9, `held-out accuracy ${result.metrics.eval_accuracy} is below 0.9`);
    const checkpoints = await listFolders(path.join(dir, 'output'), 'checkpoint');
    assert.equal(checkpoints.length, example.saveTotalLimit);
    const backups = await listFolders(path.join(dir, 'backups'), 'backup');
    assert.equal(backups.length, example.totalBackupLimit);
    assert.ok(!fs.existsSync(path.join(backups[0].path, 'tokenizer.json')), 'a recipe without a tokenizer gets weights-only backups');
  });

  it('rejects a module without buildModel', () => {
    const modulePath = path.join(dir, 'incomplete-recipe.js');
    fs.writeFileSync(modulePath, 'module.exports = { loadData() { return {}; }, loss: "hinge" };\n');
    assert.throws(() => resolveRecipe(modulePath), {
      message: `The recipe module ${modulePath} is invalid: buildModel(context) is missing; loss "hinge" is invalid: expected one of binaryCrossentropy, categoricalCrossentropy, meanSquaredError. See examples/custom/recipe.js.`,
    });
  });

  it('example configs are valid', () => {
    for (const example of ['examples/spam/training.json', 'examples/custom/training.json']) {
      const file = path.join(repoRoot, example);
      const result = validateConfig(JSON.parse(fs.readFileSync(file, 'utf8')), file);
      assert.ok(result.ok, `${example}: ${result.ok ? '' : result.errors.join('; ')}`);
    }
  });

  it('schema lists the validated fields', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(repoRoot, 'schemas/training.schema.json'), 'utf8')) as {
      properties: Record<string, { enum?: string[] }>;
    };
    assert.deepEqual(Object.keys(schema.properties).sort(), [...configFields].sort());
    assert.deepEqual(schema.properties.backend.enum, ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
    assert.deepEqual(schema.properties.lrSchedule.enum, ['constant', 'linear', 'cosine']);
    assert.deepEqual(schema.properties.saveStrategy.enum, ['steps', 'epoch', 'no']);
  });
});
