// Kill at random moments, trainer level. The CLI trains a small run and is SIGKILLed one to three times at
// random moments, and each time it is resumed from the newest valid checkpoint. The finished run's weights
// must equal those of a run that was never interrupted, because the cpu backend is deterministic.
import { createHash } from 'node:crypto';
import * as fs from 'fs-extra';
import * as path from 'node:path';
import { FolderKind, latestValid, listFolders, verifyFolder } from '../../../src/core';
import { check, Rng, runTrials, Scenario, ScenarioContext, ScenarioResult } from '../harness';
import { createRun, killAndWait, requireCli, RunConfig, RunFolder, runCli, startCli, waitForOutput } from '../trainer-run';

const RUN: RunConfig = { maxSteps: 60, saveSteps: 5, saveTotalLimit: 2, totalBackupLimit: 3 };
/**
 * Upper bounds of the random delay before a kill, in milliseconds, measured on the uninterrupted run. A
 * quarter of the kills count from the process start, so some land in the lock takeover and the cleanup of
 * stale folders. The rest count from the "Started training" line, so they land inside training however
 * fast or loaded the machine is.
 */
interface KillWindows {
  fromProcessStartMs: number;
  fromTrainingStartMs: number;
}
const STARTED_TIMEOUT_MS = 60_000;

async function sha256(file: string): Promise<string> {
  return createHash('sha256').update(await fs.readFile(file)).digest('hex');
}

async function checkValidFolders(parentDir: string, kind: FolderKind): Promise<number> {
  const folders = await listFolders(parentDir, kind);
  for (const folder of folders) {
    check(!folder.name.startsWith('.'), `listFolders returned a work-in-progress folder: ${folder.name}`);
    check(folder.complete, `${folder.path} is listed without a manifest`);
    const verification = await verifyFolder(folder.path);
    check(verification.state === 'ok', `${folder.path} is listed as complete but verifies as ${JSON.stringify(verification)}`);
  }
  return folders.length;
}

async function leftoverKinds(run: RunFolder): Promise<string[]> {
  const names = [...(await fs.readdir(run.outputDir).catch(() => [])), ...(await fs.readdir(run.backupDir).catch(() => []))];
  return names.filter((name) => name.startsWith('.tmp-') || name.startsWith('.trash-'));
}

interface Landing {
  beforeFirstCheckpoint: number;
  insideCommit: number;
  insideDelete: number;
  elsewhere: number;
  finishedFirst: number;
}

async function interruptAndResume(rng: Rng, run: RunFolder, windows: KillWindows, referenceSha: string, landed: Landing): Promise<void> {
  let backupLimitReached = false;
  const kills = rng.int(1, 3);
  const history: string[] = [];

  for (let kill = 0; kill < kills; kill++) {
    const resumeFrom = await latestValid(run.outputDir, 'checkpoint');
    const cli = startCli([resumeFrom ? 'resume' : 'train', run.configPath]);
    const fromStart = rng.next() < 0.25;
    const delayMs = rng.int(0, fromStart ? windows.fromProcessStartMs : windows.fromTrainingStartMs);
    history.push(`${resumeFrom ? `resume from ${resumeFrom.step}` : 'train'}, kill ${delayMs} ms after ${fromStart ? 'process start' : 'training start'}`);
    if (!fromStart) {
      await waitForOutput(cli, /Started training: steps/, STARTED_TIMEOUT_MS).catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (cli.child.exitCode !== null) {
      landed.finishedFirst++;
      check(cli.child.exitCode === 0, `the CLI failed before the kill:\n${cli.output()}`);
      break;
    }
    await killAndWait(cli);

    const leftovers = await leftoverKinds(run);
    if (!(await fs.pathExists(run.outputDir)) || (await listFolders(run.outputDir, 'checkpoint')).length === 0) {
      landed.beforeFirstCheckpoint++;
    } else if (leftovers.some((name) => name.startsWith('.tmp-'))) {
      landed.insideCommit++;
    } else if (leftovers.some((name) => name.startsWith('.trash-'))) {
      landed.insideDelete++;
    } else {
      landed.elsewhere++;
    }

    if (await fs.pathExists(run.outputDir)) {
      await checkValidFolders(run.outputDir, 'checkpoint');
    }
    if (await fs.pathExists(run.backupDir)) {
      const backups = await checkValidFolders(run.backupDir, 'backup');
      check(!backupLimitReached || backups >= RUN.totalBackupLimit, `only ${backups} valid backups after a kill; ${RUN.totalBackupLimit} were kept before`);
      backupLimitReached ||= backups >= RUN.totalBackupLimit;
    }
  }

  const resumeFrom = await latestValid(run.outputDir, 'checkpoint');
  history.push(resumeFrom ? `resume from ${resumeFrom.step} to the end` : 'train to the end');
  const final = await runCli([resumeFrom ? 'resume' : 'train', run.configPath]);
  check(final.status === 0, `the final ${resumeFrom ? 'resume' : 'train'} exited with ${final.status}:\n${final.output}`);
  if (resumeFrom) {
    check(
      final.output.includes(`Resumed from checkpoint step ${resumeFrom.step} (${resumeFrom.path}).`),
      `resume did not start from the newest valid checkpoint ${resumeFrom.name}:\n${final.output}`,
    );
  }

  const last = path.join(run.outputDir, `checkpoint-${RUN.maxSteps}`);
  check((await verifyFolder(last)).state === 'ok', `${last} does not verify after the run finished`);
  const weights = await sha256(path.join(last, 'weights.bin'));
  check(weights === referenceSha, `final weights differ from the uninterrupted run (sha256 ${weights.slice(0, 12)} vs ${referenceSha.slice(0, 12)}); runs: ${history.join('; ')}`);
  const stale = await leftoverKinds(run);
  check(stale.length === 0, `work-in-progress folders remain after the run finished: ${stale.join(', ')}`);
  // A kill between a commit and its rotation can leave one folder more than the limit, until the next save rotates.
  const backups = await checkValidFolders(run.backupDir, 'backup');
  check(backups >= RUN.totalBackupLimit, `the finished run keeps ${backups} backups, fewer than ${RUN.totalBackupLimit}`);
}

export const trainerKillScenario: Scenario = {
  name: 'kill trainer',
  async run(context: ScenarioContext): Promise<ScenarioResult[]> {
    await requireCli(context.repoRoot);
    const reference = await createRun(path.join(context.workDir, 'reference'), RUN);
    const processStart = Date.now();
    const uninterrupted = startCli(['train', reference.configPath]);
    await waitForOutput(uninterrupted, /Started training: steps/, STARTED_TIMEOUT_MS);
    const trainingStart = Date.now();
    const status = await uninterrupted.exited;
    check(status === 0, `the uninterrupted reference run failed:\n${uninterrupted.output()}`);
    const windows: KillWindows = { fromProcessStartMs: Date.now() - processStart, fromTrainingStartMs: Date.now() - trainingStart };
    const referenceSha = await sha256(path.join(reference.outputDir, `checkpoint-${RUN.maxSteps}`, 'weights.bin'));
    const landed: Landing = { beforeFirstCheckpoint: 0, insideCommit: 0, insideDelete: 0, elsewhere: 0, finishedFirst: 0 };

    const result = await runTrials('kill trainer', context.counts.trainerKills, async (trial) => {
      const run = await createRun(path.join(context.workDir, `trial ${trial}`), RUN);
      await interruptAndResume(context.rng, run, windows, referenceSha, landed);
      await fs.remove(run.dir);
    });

    result.notes.push(
      `kills landed before the first checkpoint ${landed.beforeFirstCheckpoint} times, inside a commit ${landed.insideCommit}, ` +
        `inside a delete ${landed.insideDelete}, elsewhere ${landed.elsewhere}; the run finished before the kill ${landed.finishedFirst} times. ` +
        `Every finished run was compared with the uninterrupted one, which took ${windows.fromProcessStartMs} ms ` +
        `(${windows.fromTrainingStartMs} ms after "Started training").`,
    );
    return [result];
  },
};
