// Kill at random moments, core level: a forked writer commits and rotates checkpoints and backups in a loop,
// gets SIGKILLed after a random delay, and the next trial resumes from the newest valid checkpoint.
import { fork } from 'node:child_process';
import * as fs from 'fs-extra';
import * as path from 'node:path';
import { cleanStaleTemp, folderName, FolderKind, latestValid, listFolders, readTrainerState, verifyFolder } from '../../../src/core';
import { check, runTrials, Scenario, ScenarioContext, ScenarioResult } from '../harness';
import type { CoreWriterLaunch, CoreWriterMessage } from '../workers/core-writer';

const KEEP_NEWEST = 3;
const TRIALS_PER_RUN = 10;
/** Upper bound of the random delay between the writer's start and the kill, in milliseconds. */
const KILL_WINDOW_MS = 900;
const READY_TIMEOUT_MS = 15_000;

interface KillOutcome {
  /** Steps the writer reported as committed; it may have committed more before the kill. */
  committed: Record<FolderKind, number[]>;
  exitedOnItsOwn: boolean;
  stderr: string;
}

async function runWriterAndKill(launch: CoreWriterLaunch, delayMs: number): Promise<KillOutcome> {
  const child = fork(path.join(__dirname, '..', 'workers', 'core-writer.js'), [JSON.stringify(launch)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const outcome: KillOutcome = { committed: { checkpoint: [], backup: [] }, exitedOnItsOwn: false, stderr: '' };
  child.stderr?.on('data', (chunk: Buffer) => (outcome.stderr += chunk.toString()));

  let killed = false;
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`core writer sent no "ready" within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    child.on('message', (message: CoreWriterMessage) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve();
      } else if (message.type === 'committed') {
        outcome.committed[message.kind].push(message.step);
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      if (!killed) {
        outcome.exitedOnItsOwn = true;
      }
      resolve();
    });
  });

  try {
    await ready;
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  } finally {
    killed = true;
    child.kill('SIGKILL');
  }
  await exited;
  return outcome;
}

async function checkFolders(parentDir: string, kind: FolderKind): Promise<number> {
  const folders = await listFolders(parentDir, kind);
  for (const folder of folders) {
    check(!folder.name.startsWith('.'), `listFolders returned a work-in-progress folder: ${folder.name}`);
    check(folder.name === folderName(kind, folder.step), `listed name ${folder.name} does not match step ${folder.step}`);
    check(folder.complete, `${folder.path} is listed without a manifest: a half-written folder took a final name`);
    const verification = await verifyFolder(folder.path);
    check(verification.state === 'ok', `${folder.path} is listed as complete but verifies as ${JSON.stringify(verification)}`);
  }
  return folders.length;
}

export const coreKillScenario: Scenario = {
  name: 'kill core writer',
  async run(context: ScenarioContext): Promise<ScenarioResult[]> {
    let outputDir = '';
    let backupDir = '';
    // Per run of 10 trials: the highest checkpoint step and the backup steps the writer reported as committed.
    // A kill between a checkpoint and its backup skips that backup, so backup steps can have gaps.
    let highestCheckpoint = 0;
    const committedBackups = new Set<number>();
    const landed = { insideCommit: 0, insideDelete: 0, between: 0 };

    const result = await runTrials('kill core writer', context.counts.coreKills, async (trial) => {
      if (trial % TRIALS_PER_RUN === 0) {
        const runDir = path.join(context.workDir, `run-${trial / TRIALS_PER_RUN}`);
        outputDir = path.join(runDir, 'output');
        backupDir = path.join(runDir, 'backups');
        await fs.ensureDir(outputDir);
        await fs.ensureDir(backupDir);
        highestCheckpoint = 0;
        committedBackups.clear();
      }

      const resumeFrom = await latestValid(outputDir, 'checkpoint');
      check(
        (resumeFrom?.step ?? 0) >= highestCheckpoint,
        `newest valid checkpoint is step ${resumeFrom?.step} but step ${highestCheckpoint} was committed`,
      );
      const launch: CoreWriterLaunch = {
        outputDir,
        backupDir,
        startStep: (resumeFrom?.step ?? 0) + 1,
        keepNewest: KEEP_NEWEST,
        seed: context.rng.int(1, 2 ** 31),
      };
      const outcome = await runWriterAndKill(launch, context.rng.int(0, KILL_WINDOW_MS));
      check(!outcome.exitedOnItsOwn, `core writer exited before the kill: ${outcome.stderr.trim()}`);
      highestCheckpoint = Math.max(highestCheckpoint, ...outcome.committed.checkpoint);
      outcome.committed.backup.forEach((step) => committedBackups.add(step));

      const leftovers = [...(await fs.readdir(outputDir)), ...(await fs.readdir(backupDir))];
      if (leftovers.some((name) => name.startsWith('.tmp-'))) {
        landed.insideCommit++;
      } else if (leftovers.some((name) => name.startsWith('.trash-'))) {
        landed.insideDelete++;
      } else {
        landed.between++;
      }

      const checkpoints = await checkFolders(outputDir, 'checkpoint');
      const backups = await checkFolders(backupDir, 'backup');
      check(
        checkpoints >= Math.min(KEEP_NEWEST, highestCheckpoint),
        `${checkpoints} valid checkpoints left after step ${highestCheckpoint} was committed (keepNewest ${KEEP_NEWEST})`,
      );
      check(
        backups >= Math.min(KEEP_NEWEST, committedBackups.size),
        `${backups} valid backups left after ${committedBackups.size} were committed (keepNewest ${KEEP_NEWEST})`,
      );

      const newest = await latestValid(outputDir, 'checkpoint');
      check((newest?.step ?? 0) >= highestCheckpoint, `newest valid checkpoint ${newest?.step} is older than committed step ${highestCheckpoint}`);
      if (newest) {
        const state = await readTrainerState(newest.path);
        check(state?.globalStep === newest.step, `${newest.path}: trainer_state global_step is ${state?.globalStep}, expected ${newest.step}`);
      }

      await cleanStaleTemp(outputDir);
      await cleanStaleTemp(backupDir);
      const afterClean = [...(await fs.readdir(outputDir)), ...(await fs.readdir(backupDir))];
      const stale = afterClean.filter((name) => name.startsWith('.tmp-') || name.startsWith('.trash-'));
      check(stale.length === 0, `cleanStaleTemp left ${stale.join(', ')}`);
    });

    result.notes.push(
      `kills landed inside a commit ${landed.insideCommit} times, inside a delete ${landed.insideDelete} times, between writes ${landed.between} times`,
    );
    return [result];
  },
};
