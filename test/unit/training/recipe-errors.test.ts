import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runSession } from '../../../src/training/session';
import { createRecorder, customRecipe, makeTempDir, writeConfig } from './helpers';

/** Writes a copy of the custom recipe whose `name` function throws `message`, and returns its path. */
function writeThrowingRecipe(dir: string, name: 'loadData' | 'buildModel', message: string): string {
  const modulePath = path.join(dir, `throws-in-${name}.js`);
  const source = [
    `const recipe = require(${JSON.stringify(customRecipe)});`,
    `module.exports = { ...recipe, ${name}() { throw new Error(${JSON.stringify(message)}); } };`,
  ].join('\n');
  fs.writeFileSync(modulePath, source);
  return modulePath;
}

describe('recipe errors and best metric', function () {
  this.timeout(60000);
  let dir: string;

  beforeEach(() => {
    dir = makeTempDir('recipe-errors');
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const name of ['loadData', 'buildModel'] as const) {
    it(`${name} error names the recipe`, async () => {
      const recipe = writeThrowingRecipe(dir, name, 'boom in my loader');
      const configPath = writeConfig(dir, { recipe, maxSteps: 4 });

      const failure = await runSession({ mode: 'train', configPath, reporter: createRecorder().report }).then(
        () => assert.fail('expected the session to fail'),
        (error: Error) => error,
      );

      assert.equal(failure.message, `Recipe ${recipe}: ${name} failed: boom in my loader`);
      assert.ok(failure.cause instanceof Error, 'the original error is kept as cause');
      assert.equal((failure.cause as Error).message, 'boom in my loader');
    });
  }

  it('warns once about a missing metric', async () => {
    const configPath = writeConfig(dir, { maxSteps: 20, saveStrategy: 'steps', saveSteps: 5, metricForBestModel: 'f1' });
    const recorder = createRecorder();

    await runSession({ mode: 'train', configPath, reporter: recorder.report });

    assert.ok(recorder.ofType('evaluation').length >= 2, 'the run evaluates more than once');
    const warnings = recorder.ofType('warning').map((warning) => warning.message);
    assert.deepEqual(warnings, [
      'metricForBestModel "f1" is not among the evaluation metrics (eval_loss, eval_accuracy), so no checkpoint is kept as the best. Set metricForBestModel to one of them.',
    ]);
  });

  it('sends no warning for a reported metric', async () => {
    const configPath = writeConfig(dir, { maxSteps: 10, saveStrategy: 'steps', saveSteps: 5, metricForBestModel: 'eval_accuracy' });
    const recorder = createRecorder();

    await runSession({ mode: 'train', configPath, reporter: recorder.report });

    assert.ok(recorder.ofType('evaluation').length >= 1, 'the run evaluates');
    assert.deepEqual(recorder.ofType('warning'), []);
  });
});
