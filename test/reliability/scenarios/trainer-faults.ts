// Faults around the real trainer: a full disk during a resumed run, corrupt checkpoints and backups given to
// resume and restore, two training processes on one output folder, and unusable or non-ASCII output paths.
import * as fs from 'fs-extra';
import * as path from 'node:path';
import { latestValid, listFolders, verifyFolder } from '../../../src/core';
import { check, lostOrChanged, Rng, runTrials, Scenario, ScenarioContext, ScenarioResult, snapshotTree } from '../harness';
import { freeBytes, mountReadOnlyBind, mountTmpfs, unmount } from '../mounts';
import { createRun, killAndWait, requireCli, RunConfig, RunFolder, runCli, startCli, waitForOutput } from '../trainer-run';

const SMALL_DISK_BYTES = 1024 * 1024;
const FIRST_STEPS = 20;
const RUN: RunConfig = { maxSteps: FIRST_STEPS, saveSteps: 5, saveTotalLimit: 2, totalBackupLimit: 3 };
const START_TIMEOUT_MS = 60_000;

async function setMaxSteps(run: RunFolder, maxSteps: number): Promise<void> {
  const json = JSON.parse(await fs.readFile(run.configPath, 'utf8')) as Record<string, unknown>;
  await fs.writeFile(run.configPath, JSON.stringify({ ...json, maxSteps }, null, 2));
}

/**
 * Trains 20 steps on a 1 MiB tmpfs, fills it until `freeLeft` bytes are free, and resumes to step 40.
 * Without room for the lock file the trainer refuses to start. With a little more it trains on without
 * saving and exits 1 with a summary of the failed saves. Either way nothing saved before is lost, and after
 * freeing space it resumes.
 */
async function diskFullTrial(context: ScenarioContext, rng: Rng, trial: number, outcomes: Map<string, number>): Promise<void> {
  const mountPoint = path.join(context.workDir, `small disk ${trial}`);
  await mountTmpfs(mountPoint, SMALL_DISK_BYTES);
  try {
    const run = await createRun(mountPoint, RUN);
    const first = await runCli(['train', run.configPath]);
    check(first.status === 0, `the first 20 steps failed:\n${first.output}`);
    await setMaxSteps(run, 2 * FIRST_STEPS);

    const freeLeft = trial === 0 ? 0 : rng.int(0, 16 * 1024);
    const filler = path.join(mountPoint, 'filler');
    await fs.writeFile(filler, Buffer.alloc(Math.max(0, (await freeBytes(mountPoint)) - freeLeft)));
    const before = await snapshotTree(mountPoint);

    const full = await runCli(['resume', run.configPath]);
    const lost = lostOrChanged(before, await snapshotTree(mountPoint));
    check(lost.length === 0, `saved files changed during a resume on a full disk (${freeLeft} bytes free): ${lost.join('; ')}\n${full.output}`);
    const spaceLines = full.output.split('\n').filter((line) => /no space left/i.test(line));
    check(spaceLines.length > 0, `the output never says "no space left" (${freeLeft} bytes free):\n${full.output}`);
    check(
      spaceLines.some((line) => line.includes(run.outputDir) || line.includes(run.backupDir)),
      `no "no space left" message names the folder (${freeLeft} bytes free): ${spaceLines.join(' | ')}`,
    );

    const end = 2 * FIRST_STEPS;
    if (full.output.includes(`finished (completed) at step ${end}`)) {
      outcomes.set(`trained on without saving, exit ${full.status}`, (outcomes.get(`trained on without saving, exit ${full.status}`) ?? 0) + 1);
      check(
        full.output.includes(`Saving checkpoint step 25 failed: Failed to save checkpoint-25 in ${run.outputDir}: ENOSPC: no space left on device`),
        `the first failed save is not reported with its folder:\n${full.output}`,
      );
      check(full.output.includes(`checkpoint save(s) failed, so the newest checkpoint may be older than step ${end}`), `the run did not close with a summary of the failed saves:\n${full.output}`);
      check(full.status === 1, `a run whose saves failed exited with ${full.status}:\n${full.output}`);
    } else {
      outcomes.set(`refused to start, exit ${full.status}`, (outcomes.get(`refused to start, exit ${full.status}`) ?? 0) + 1);
      check(full.status === 1, `the resume on a full disk exited with ${full.status}:\n${full.output}`);
      check(full.output.includes(`Failed to create the lock file ${run.outputDir}/.training-backups.lock: ENOSPC`), `the failed start does not name the lock file:\n${full.output}`);
    }

    await fs.remove(filler);
    const resumed = await runCli(['resume', run.configPath]);
    check(resumed.status === 0, `resume after freeing space failed:\n${resumed.output}`);
    check(resumed.output.includes(`Resumed from checkpoint step ${FIRST_STEPS} (`), `resume after freeing space did not start from step ${FIRST_STEPS}:\n${resumed.output}`);
    const last = path.join(run.outputDir, `checkpoint-${2 * FIRST_STEPS}`);
    check((await verifyFolder(last)).state === 'ok', `${last} is missing or invalid after freeing space`);
  } finally {
    unmount(mountPoint);
  }
}

/** Corrupts one file of the newest checkpoint and of a random backup, then runs resume and restore. */
async function corruptionTrial(context: ScenarioContext, rng: Rng, pristine: RunFolder, trial: number): Promise<void> {
  const run = { ...pristine, dir: path.join(context.workDir, `corrupt ${trial}`) };
  run.configPath = path.join(run.dir, 'training.json');
  run.outputDir = path.join(run.dir, 'output');
  run.backupDir = path.join(run.dir, 'backups');
  await fs.copy(pristine.dir, run.dir);
  await setMaxSteps(run, FIRST_STEPS + 5);

  const newest = path.join(run.outputDir, `checkpoint-${FIRST_STEPS}`);
  const checkpointFile = rng.pick((await fs.readdir(newest)).filter((name) => name !== 'manifest.json'));
  const data = await fs.readFile(path.join(newest, checkpointFile));
  data[rng.int(0, data.length - 1)] ^= rng.int(1, 255);
  await fs.writeFile(path.join(newest, checkpointFile), data);

  const resumed = await runCli(['resume', run.configPath]);
  check(
    resumed.output.includes(`Skipped checkpoint-${FIRST_STEPS}: file ${checkpointFile} is corrupt (`),
    `resume did not say it skipped the corrupt checkpoint-${FIRST_STEPS} (${checkpointFile}):\n${resumed.output}`,
  );
  check(resumed.output.includes(`Resumed from checkpoint step ${FIRST_STEPS - 5} (`), `resume did not fall back to step ${FIRST_STEPS - 5}:\n${resumed.output}`);
  check(resumed.status === 0, `resume past a corrupt checkpoint exited with ${resumed.status}:\n${resumed.output}`);
  check(await fs.pathExists(newest), `the corrupt ${newest} was deleted; it is evidence and must stay`);

  const backups = await listFolders(run.backupDir, 'backup');
  const backup = rng.pick(backups);
  const backupFile = rng.pick((await fs.readdir(backup.path)).filter((name) => name !== 'manifest.json'));
  await fs.truncate(path.join(backup.path, backupFile), Math.max(0, (await fs.stat(path.join(backup.path, backupFile))).size - 1));
  const before = await snapshotTree(run.dir);
  const restored = await runCli(['restore', run.configPath, '--from', backup.path]);
  check(restored.status === 1, `restore from a corrupt backup exited with ${restored.status}:\n${restored.output}`);
  check(
    restored.output.includes(`${backup.path} cannot be used: file ${backupFile} is corrupt (`),
    `restore did not name the corrupt file ${backupFile}:\n${restored.output}`,
  );
  const lost = lostOrChanged(before, await snapshotTree(run.dir));
  check(lost.length === 0, `a refused restore changed saved files: ${lost.join('; ')}`);
  await fs.remove(run.dir);
}

/**
 * Corrupts the final checkpoint of a finished run and resumes it: the run falls back one checkpoint, trains
 * to the final step again, and must end with a valid checkpoint at that step.
 */
async function resaveTrial(context: ScenarioContext, pristine: RunFolder): Promise<void> {
  const dir = path.join(context.workDir, 'resave');
  await fs.copy(pristine.dir, dir);
  const outputDir = path.join(dir, 'output');
  const final = path.join(outputDir, `checkpoint-${FIRST_STEPS}`);
  const weights = await fs.readFile(path.join(final, 'weights.bin'));
  weights[0] ^= 0xff;
  await fs.writeFile(path.join(final, 'weights.bin'), weights);

  const resumed = await runCli(['resume', path.join(dir, 'training.json')]);
  check(resumed.status === 0, `resume past the corrupt final checkpoint exited with ${resumed.status}:\n${resumed.output}`);
  const newest = await latestValid(outputDir, 'checkpoint');
  check(
    newest?.step === FIRST_STEPS,
    `after resuming past the corrupt checkpoint-${FIRST_STEPS}, the newest valid checkpoint is ${newest?.name}:\n${resumed.output}`,
  );
  await fs.remove(dir);
}

/**
 * Copies a valid backup and checkpoint under work-in-progress names (`.tmp-…`, `.trash-…`) whose writer pid
 * is 1, which is alive, so cleanup leaves them. Restore and resume must refuse both.
 */
async function workFolderTrial(context: ScenarioContext, pristine: RunFolder): Promise<void> {
  const dir = path.join(context.workDir, 'work folders');
  await fs.copy(pristine.dir, dir);
  const backup = path.join(dir, 'backups', `.tmp-model_backup_step-${FIRST_STEPS}-1-0badc0de`);
  await fs.copy(path.join(dir, 'backups', `model_backup_step-${FIRST_STEPS}`), backup);
  const checkpoint = path.join(dir, 'output', `.trash-checkpoint-${FIRST_STEPS}-1-0badc0de`);
  await fs.copy(path.join(dir, 'output', `checkpoint-${FIRST_STEPS}`), checkpoint);

  const restored = await runCli(['restore', path.join(dir, 'training.json'), '--from', backup]);
  check(restored.status === 1, `restore from a .tmp- folder exited with ${restored.status}:\n${restored.output}`);
  check(restored.output.includes(`${backup} cannot be used`), `restore from a .tmp- folder was not refused by name:\n${restored.output}`);
  const resumed = await runCli(['resume', path.join(dir, 'training.json'), '--from', checkpoint]);
  check(resumed.status === 1, `resume from a .trash- folder exited with ${resumed.status}:\n${resumed.output}`);
  check(resumed.output.includes(`${checkpoint} cannot be used`), `resume from a .trash- folder was not refused by name:\n${resumed.output}`);
  await fs.remove(dir);
}

/** Starts a long run, checks that a second one on the same folder is refused, kills the first and resumes. */
async function twoRunsTrial(context: ScenarioContext, trial: number): Promise<void> {
  const run = await createRun(path.join(context.workDir, `two runs ${trial}`), { ...RUN, maxSteps: 1_000_000, saveSteps: 20 });
  const first = startCli(['train', run.configPath]);
  try {
    await waitForOutput(first, /Saved checkpoint step 20 /, START_TIMEOUT_MS);
    const second = await runCli(['resume', run.configPath]);
    check(second.status === 1, `a second run on a locked folder exited with ${second.status}:\n${second.output}`);
    const expected = `Another training process (pid ${first.child.pid}) is using ${run.outputDir}. Stop it first or wait for it to finish.`;
    check(second.output.includes(expected), `the second run was not refused with "${expected}":\n${second.output}`);
  } finally {
    await killAndWait(first);
  }

  const takeover = startCli(['resume', run.configPath]);
  try {
    await waitForOutput(takeover, /Resumed from checkpoint step \d+/, START_TIMEOUT_MS);
  } finally {
    takeover.child.kill('SIGTERM');
    await takeover.exited;
  }
  check(/Training stopped at step \d+/.test(takeover.output()), `the resumed run did not stop cleanly on SIGTERM:\n${takeover.output()}`);
  await fs.remove(run.dir);
}

interface PathCase {
  name: string;
  /** Makes `outputDir` unusable; returns a cleanup function. */
  breakOutput(run: RunFolder): Promise<() => void>;
}

const pathCases: PathCase[] = [
  {
    name: 'outputDir is a file',
    async breakOutput(run) {
      await fs.writeFile(run.outputDir, 'a plain file');
      return () => undefined;
    },
  },
  {
    name: 'outputDir is a symlink loop',
    async breakOutput(run) {
      await fs.symlink(`${run.outputDir}-loop`, run.outputDir);
      await fs.symlink(run.outputDir, `${run.outputDir}-loop`);
      return () => undefined;
    },
  },
  {
    name: 'outputDir is read-only',
    async breakOutput(run) {
      const source = `${run.outputDir}-source`;
      await fs.ensureDir(source);
      await mountReadOnlyBind(source, run.outputDir);
      return () => unmount(run.outputDir);
    },
  },
];

/** Runs the CLI with an unusable outputDir: it must exit 1 with an error that names the folder and is more than a bare errno message. */
async function pathTrial(context: ScenarioContext, trial: number): Promise<void> {
  const testCase = pathCases[trial];
  const run = await createRun(path.join(context.workDir, `path ${trial}`), RUN);
  const cleanup = await testCase.breakOutput(run);
  try {
    const result = await runCli(['train', run.configPath]);
    check(result.status === 1, `${testCase.name}: the CLI exited with ${result.status}:\n${result.output}`);
    const errorLine = result.output.split('\n').find((line) => line.startsWith('error: ')) ?? '';
    check(errorLine.includes(run.outputDir), `${testCase.name}: the error does not name ${run.outputDir}: "${errorLine}"`);
    check(!/^error: E[A-Z]+: /.test(errorLine), `${testCase.name}: the error is a bare errno message with no advice: "${errorLine}"`);
  } finally {
    cleanup();
  }
}

/** Trains in a folder whose path has spaces and Cyrillic and accented letters, then resumes and verifies it. */
async function unicodePathTrial(context: ScenarioContext): Promise<void> {
  const run = await createRun(path.join(context.workDir, 'мой запуск', 'résumé run'), { ...RUN, maxSteps: 10 });
  const trained = await runCli(['train', run.configPath]);
  check(trained.status === 0, `training under a non-ASCII path failed:\n${trained.output}`);
  await setMaxSteps(run, 15);
  const resumed = await runCli(['resume', run.configPath]);
  check(resumed.status === 0 && resumed.output.includes('Resumed from checkpoint step 10 ('), `resume under a non-ASCII path failed:\n${resumed.output}`);
  const verified = await runCli(['verify', run.configPath]);
  check(verified.status === 0, `verify under a non-ASCII path failed:\n${verified.output}`);
}

async function runTrainerFaults(context: ScenarioContext): Promise<ScenarioResult[]> {
  await requireCli(context.repoRoot);
  const { rng } = context;
  const outcomes = new Map<string, number>();
  const diskFull = await runTrials('trainer: disk full', Math.max(3, Math.round(context.counts.diskFull / 3)), (trial) =>
    diskFullTrial(context, rng, trial, outcomes),
  );
  diskFull.notes.push(`outcomes on a full disk: ${[...outcomes].map(([outcome, count]) => `${outcome} ${count}`).join(', ')}`);

  const pristine = await createRun(path.join(context.workDir, 'pristine'), RUN);
  const first = await runCli(['train', pristine.configPath]);
  check(first.status === 0, `the run to corrupt failed:\n${first.output}`);
  const corruption = await runTrials('trainer: corrupt resume/restore', Math.max(5, Math.round(context.counts.corruptions / 10)), (trial) =>
    corruptionTrial(context, rng, pristine, trial),
  );

  const resave = await runTrials('trainer: re-save a corrupt step', 1, () => resaveTrial(context, pristine));
  const workFolders = await runTrials('trainer: start from a work folder', 1, () => workFolderTrial(context, pristine));

  const twoRuns = await runTrials('trainer: two runs', context.counts.locks, (trial) => twoRunsTrial(context, trial));
  const paths = await runTrials('trainer: output paths', pathCases.length + 1, (trial) =>
    trial < pathCases.length ? pathTrial(context, trial) : unicodePathTrial(context),
  );
  return [diskFull, corruption, resave, workFolders, twoRuns, paths];
}

export const trainerFaultsScenario: Scenario = { name: 'trainer faults', run: runTrainerFaults };
