// Entry point of the reliability suite: runs every scenario with the chosen profile's counts, prints a
// table of trials, survivals and failures, and exits non-zero when any trial fails.
//   node out/test/reliability/run.js [--profile ci|soak] [--only NAME] [--seed N] [--keep]
// With CI=true a scenario that could not run (no built trainer, no root for mounts) counts as a failure.
import * as fs from 'fs-extra';
import * as os from 'node:os';
import * as path from 'node:path';
import { MissingPrerequisiteError, printTable, PROFILES, Rng, Scenario, ScenarioResult } from './harness';
import { badInputScenario } from './scenarios/bad-input';
import { coreKillScenario } from './scenarios/core-kill';
import { corruptionScenario } from './scenarios/corruption';
import { diskFullScenario } from './scenarios/disk-full';
import { lockScenario } from './scenarios/locks';
import { trainerFaultsScenario } from './scenarios/trainer-faults';
import { trainerKillScenario } from './scenarios/trainer-kill';

const SCENARIOS: Scenario[] = [
  coreKillScenario,
  corruptionScenario,
  diskFullScenario,
  lockScenario,
  badInputScenario,
  trainerKillScenario,
  trainerFaultsScenario,
];

interface Options {
  profile: 'ci' | 'soak';
  only?: string;
  seed: number;
  keep: boolean;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { profile: 'ci', seed: Date.now() % 2 ** 31, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i];
    if (argument === '--profile' && (argv[i + 1] === 'ci' || argv[i + 1] === 'soak')) {
      options.profile = argv[++i] as 'ci' | 'soak';
    } else if (argument === '--only' && argv[i + 1]) {
      options.only = argv[++i];
    } else if (argument === '--seed' && /^\d+$/.test(argv[i + 1] ?? '')) {
      options.seed = Number(argv[++i]);
    } else if (argument === '--keep') {
      options.keep = true;
    } else {
      throw new Error(`Invalid argument "${argument}". Usage: run.js [--profile ci|soak] [--only NAME] [--seed N] [--keep]`);
    }
  }
  return options;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const repoRoot = path.resolve(__dirname, '..', '..', '..');
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'training-backups-reliability-'));
  const counts = PROFILES[options.profile];
  const strict = process.env.CI === 'true';
  console.log(`reliability suite: profile ${options.profile}, seed ${options.seed}, work folder ${root}`);

  const results: ScenarioResult[] = [];
  for (const scenario of SCENARIOS) {
    if (options.only && !scenario.name.includes(options.only)) {
      continue;
    }
    const workDir = path.join(root, scenario.name.replace(/\W+/g, '-'));
    await fs.ensureDir(workDir);
    const started = Date.now();
    try {
      results.push(...(await scenario.run({ rng: new Rng(options.seed), counts, workDir, repoRoot })));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof MissingPrerequisiteError) {
        results.push({ name: scenario.name, trials: 0, survived: 0, failures: [], notes: [], notRun: message });
      } else {
        results.push({ name: scenario.name, trials: 1, survived: 0, failures: [{ trial: 0, message: `scenario crashed: ${error instanceof Error ? error.stack : message}` }], notes: [] });
      }
    }
    console.log(`  ${scenario.name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  console.log('');
  printTable(results, (line) => console.log(line));

  if (!options.keep) {
    await fs.remove(root);
  }
  const survived = results.reduce((sum, r) => sum + r.survived, 0);
  const failed = results.reduce((sum, r) => sum + r.failures.length + (strict && r.notRun ? 1 : 0), 0);
  console.log(failed > 0 ? `\nFAILED (replay with --seed ${options.seed})` : '\nall trials passed');
  // scripts/test.mjs reads this last line to count the suite's results.
  console.log(`${survived} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exitCode = 2;
});
