// Bad input: invalid run configs (exact messages, and through the CLI when it is built) and hostile folders
// at the checkpoint store. Every case runs on a fresh fixture that is snapshotted before and after, so a
// case fails when anything it did not mean to delete is gone or changed.
import * as fs from 'fs-extra';
import * as path from 'node:path';
import { commitFolder } from '../../../src/core';
import { parseConfigText } from '../../../src/training/config';
import { check, lostOrChanged, MissingPrerequisiteError, runTrials, Scenario, ScenarioContext, ScenarioResult, snapshotTree } from '../harness';
import { mountTmpfs, unmount } from '../mounts';
import { requireCli, runCli } from '../trainer-run';
import { configCases, fillDir } from './bad-input-config';
import { coreCases, Fixture } from './bad-input-core';

const FIXTURE_TMPFS_BYTES = 64 * 1024 * 1024;

async function createFixture(root: string): Promise<Fixture> {
  const fixture = { root, outputDir: path.join(root, 'output'), backupDir: path.join(root, 'backups') };
  for (let step = 1; step <= 2; step++) {
    const state = JSON.stringify({ global_step: step, epoch: step / 2, log_history: [{ step, loss: 1 / step }] });
    await commitFolder(fixture.outputDir, 'checkpoint', step, [
      { name: 'weights.bin', data: `weights ${step}` },
      { name: 'trainer_state.json', data: state },
    ]);
    await commitFolder(fixture.backupDir, 'backup', step, [
      { name: 'weights.bin', data: `weights ${step}` },
      { name: 'backup_state.json', data: JSON.stringify({ step, epoch: step / 2, loss: 1 / step }) },
    ]);
  }
  return fixture;
}

async function runInFixture(root: string, action: (fixture: Fixture) => Promise<string[]>): Promise<void> {
  const fixture = await createFixture(root);
  const before = await snapshotTree(root);
  const removedOnPurpose = await action(fixture);
  const lost = lostOrChanged(before, await snapshotTree(root)).filter(
    (problem) => !removedOnPurpose.some((prefix) => problem.startsWith(`removed: ${prefix}`)),
  );
  check(lost.length === 0, `saved files were lost or changed: ${lost.join('; ')}`);
}

export const badInputScenario: Scenario = {
  name: 'bad input',
  async run(context: ScenarioContext): Promise<ScenarioResult[]> {
    const fixtures = path.join(context.workDir, 'fixtures');
    await mountTmpfs(fixtures, FIXTURE_TMPFS_BYTES);
    let cliBuilt = true;
    try {
      await requireCli(context.repoRoot);
    } catch (error) {
      if (!(error instanceof MissingPrerequisiteError)) {
        throw error;
      }
      cliBuilt = false;
    }

    try {
      const configResult = await runTrials('bad input: run config', configCases.length, async (index) => {
        const testCase = configCases[index];
        const root = path.join(fixtures, `config ${index}`);
        await runInFixture(root, async () => {
          const configPath = path.join(root, 'training.json');
          await fs.writeFile(configPath, fillDir(testCase.text, root));
          const expected = testCase.errors.map((error) => fillDir(error, root));
          const validation = parseConfigText(await fs.readFile(configPath, 'utf8'), configPath);
          const actual = validation.ok ? [] : validation.errors;
          check(JSON.stringify(actual) === JSON.stringify(expected), `${testCase.name}:\n      expected: ${JSON.stringify(expected)}\n      actual:   ${JSON.stringify(actual)}`);

          if (cliBuilt && expected.length > 0) {
            const cli = await runCli(['train', configPath]);
            check(cli.status !== 0 && cli.status !== null, `${testCase.name}: the CLI exited with ${cli.status} for an invalid config`);
            for (const error of expected) {
              check(cli.output.includes(error), `${testCase.name}: the CLI output lacks "${error}":\n${cli.output}`);
            }
          }
          return [];
        });
      });
      if (!cliBuilt) {
        configResult.notes.push('dist/cli.js is not built, so configs were checked with parseConfigText only');
      }

      const coreResult = await runTrials('bad input: saved folders', coreCases.length, async (index) => {
        const testCase = coreCases[index];
        try {
          await runInFixture(path.join(fixtures, `core ${index}`), (fixture) => testCase.run(fixture));
        } catch (error) {
          throw new Error(`${testCase.name}: ${error instanceof Error ? error.message : String(error)}`);
        }
      });
      return [configResult, coreResult];
    } finally {
      unmount(fixtures);
    }
  },
};
