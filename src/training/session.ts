// One training run from start to end, shared by the child process and the CLI: config, backend, lock on the
// output folder, cleanup of interrupted saves, choice of the folder to start from, and the trainer itself.
import * as path from 'node:path';
import * as fse from 'fs-extra';
import {
  acquireLock, cleanStaleTemp, listFolders, LockHeldError, parseFolderName, supersedeFoldersAfter, verifyFolder, type Verification,
} from '../core';
import type { ChildLaunch, SavedKind } from '../protocol';
import { chooseBackend } from './backend';
import { BackupCallback, BestMetricCallback, type TrainerCallback } from './callbacks';
import { loadConfig, type TrainingConfig } from './config';
import { createFolderWriter } from './folder-writer';
import { t } from './l10n';
import { messages } from './messages';
import { resolveRecipe } from './recipes';
import type { Reporter } from './reporter';
import { Trainer, type StartPoint, type TrainResult } from './trainer';

export interface SessionOptions {
  mode: ChildLaunch['mode'];
  configPath: string;
  from?: string;
  backend?: ChildLaunch['backend'];
  configDefaults?: ChildLaunch['configDefaults'];
  reporter: Reporter;
  /** Callbacks added after the backup callback. */
  callbacks?: TrainerCallback[];
  /** Receives the trainer before training starts, so the caller can request a stop or a save. */
  onTrainer?: (trainer: Trainer) => void;
}

/** Says why a folder cannot be used, or returns undefined when it verified ok. */
export function describeVerification(verification: Verification): string | undefined {
  switch (verification.state) {
    case 'ok':
      return undefined;
    case 'corrupt':
      return t(messages.folderCorrupt, verification.file, verification.reason);
    case 'incomplete':
      return t(messages.folderIncomplete, verification.reason);
    default:
      return t(messages.folderUnverified, verification.reason);
  }
}

async function requireValidFolder(dir: string): Promise<void> {
  // Work folders (.tmp-…, .trash-…) can hold a verifying manifest while a save or a deletion is in progress,
  // so only the names that listing shows are start points.
  if (parseFolderName(path.basename(dir)) === undefined) {
    throw new Error(t(messages.folderNotValid, dir, t(messages.folderNameNotSaved, path.basename(dir))));
  }
  const problem = describeVerification(await verifyFolder(dir));
  if (problem !== undefined) {
    throw new Error(t(messages.folderNotValid, dir, problem));
  }
}

/** Picks the newest checkpoint that verifies ok, warning about each newer one it skips. */
async function newestValidCheckpoint(config: TrainingConfig, reporter: Reporter): Promise<string> {
  const checkpoints = await listFolders(config.outputDir, 'checkpoint');
  for (const checkpoint of [...checkpoints].reverse()) {
    const problem = describeVerification(await verifyFolder(checkpoint.path));
    if (problem === undefined) {
      return checkpoint.path;
    }
    const message = t(messages.skippedInvalidCheckpoint, checkpoint.name, problem);
    reporter({ type: 'warning', message });
    reporter({ type: 'log', level: 'warn', component: 'resume', message });
  }
  throw new Error(t(messages.noValidCheckpoint, config.outputDir));
}

async function chooseStartPoint(options: SessionOptions, config: TrainingConfig): Promise<StartPoint> {
  if (options.mode === 'train') {
    const existing = await listFolders(config.outputDir, 'checkpoint');
    if (existing.length > 0) {
      const newest = existing[existing.length - 1];
      throw new Error(t(messages.trainHasCheckpoints, config.outputDir, newest.name));
    }
    return { kind: 'fresh' };
  }
  if (options.mode === 'restore') {
    if (!options.from) {
      throw new Error(t(messages.restoreNeedsBackup));
    }
    const from = path.resolve(options.from);
    await requireValidFolder(from);
    return { kind: 'backup', path: from };
  }
  if (options.from) {
    const from = path.resolve(options.from);
    await requireValidFolder(from);
    return { kind: 'checkpoint', path: from };
  }
  return { kind: 'checkpoint', path: await newestValidCheckpoint(config, options.reporter) };
}

/**
 * Moves the checkpoints and backups with a step above `step` into `superseded-*` folders, so that the run
 * starting at `step` saves new folders in their place instead of failing on existing names. Sends one warning.
 */
async function supersedeLaterFolders(config: TrainingConfig, step: number, startPath: string, reporter: Reporter): Promise<void> {
  const now = new Date();
  const parts: string[] = [];
  const targets = [{ dir: config.outputDir, kind: 'checkpoint' as const }, { dir: config.backupDir, kind: 'backup' as const }];
  for (const { dir, kind } of targets) {
    const result = await supersedeFoldersAfter(dir, step, [kind], { now, except: [startPath] });
    if (result.supersededDir !== undefined) {
      parts.push(t(messages.supersededPart, result.moved.join(', '), result.supersededDir));
    }
  }
  if (parts.length === 0) {
    return;
  }
  const message = t(messages.superseded, step, parts.join('; '));
  reporter({ type: 'warning', message });
  reporter({ type: 'log', level: 'warn', component: 'session', message });
}

/** Creates the folder of a config setting, with an error that names the setting when the path cannot be a folder. */
async function ensureFolder(setting: 'outputDir' | 'backupDir', dir: string, configPath: string): Promise<void> {
  try {
    await fse.ensureDir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    let reason = (error as Error).message;
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      reason = t(messages.pathIsFile);
    } else if (code === 'ELOOP') {
      reason = t(messages.pathIsSymlinkLoop);
    }
    throw new Error(t(messages.settingFolderUnusable, setting, dir, reason, configPath));
  }
}

function info(reporter: Reporter, component: string, message: string): void {
  reporter({ type: 'log', level: 'info', component, message });
}

/** Runs a whole training session and reports it through `options.reporter`; throws on a fatal error. */
export async function runSession(options: SessionOptions): Promise<TrainResult> {
  const { reporter } = options;
  const config = loadConfig(options.configPath, options.configDefaults);
  const backend = await chooseBackend(options.backend && options.backend !== 'auto' ? options.backend : config.backend);
  info(reporter, 'backend', t(messages.backendChosen, backend.name));
  for (const line of backend.skipped) {
    info(reporter, 'backend', line);
  }

  await ensureFolder('outputDir', config.outputDir, config.configPath);
  await ensureFolder('backupDir', config.backupDir, config.configPath);
  let lock: { release(): Promise<void> };
  try {
    lock = await acquireLock(config.outputDir, `training-backups ${options.mode}`);
  } catch (error) {
    throw error instanceof LockHeldError ? new Error(t(messages.lockHeld, error.pid, config.outputDir)) : error;
  }

  const writer = createFolderWriter();
  let trainer: Trainer | undefined;
  try {
    const backupCallback = new BackupCallback({ backupDir: config.backupDir, totalBackupLimit: config.totalBackupLimit, reporter, writer });
    trainer = new Trainer({
      config,
      recipe: resolveRecipe(config.recipe),
      reporter,
      writer,
      callbacks: [backupCallback, new BestMetricCallback(config.metricForBestModel, reporter), ...(options.callbacks ?? [])],
    });
    for (const removed of [...(await cleanStaleTemp(config.outputDir)), ...(await cleanStaleTemp(config.backupDir))]) {
      info(reporter, 'session', t(messages.staleTempRemoved, removed));
    }
    const start = await chooseStartPoint(options, config);
    const preparedTrainer = trainer;
    await preparedTrainer.prepare(start);
    if (start.kind !== 'fresh') {
      await supersedeLaterFolders(config, trainer.step, start.path, reporter);
    }
    options.onTrainer?.(preparedTrainer);

    let resumedFrom: { kind: SavedKind; step: number; path: string } | undefined;
    if (start.kind === 'checkpoint') {
      resumedFrom = { kind: 'checkpoint', step: trainer.step, path: start.path };
      info(reporter, 'session', t(messages.resumedFromCheckpoint, trainer.step, start.path));
    } else if (start.kind === 'backup') {
      resumedFrom = { kind: 'backup', step: trainer.step, path: start.path };
      info(reporter, 'session', t(messages.restoredFromBackup, trainer.step, start.path));
    }
    reporter({
      type: 'started',
      runName: path.basename(path.dirname(config.configPath)),
      backend: backend.name,
      skippedBackends: backend.skipped,
      startStep: trainer.step,
      totalSteps: trainer.totalSteps,
      outputDir: config.outputDir,
      backupDir: config.backupDir,
      resumedFrom,
    });
    info(reporter, 'session', t(messages.started, trainer.step, trainer.totalSteps));

    const result = await trainer.train();
    if (result.failedSaves > 0) {
      reporter({ type: 'log', level: 'error', component: 'session', message: t(messages.finishedWithFailedSaves, result.step, result.failedSaves) });
    } else {
      info(reporter, 'session', t(result.reason === 'completed' ? messages.finished : messages.stopped, result.step));
    }
    reporter({ type: 'finished', reason: result.reason, step: result.step, metrics: result.metrics, failedSaves: result.failedSaves });
    return result;
  } finally {
    trainer?.dispose();
    await writer.close();
    await lock.release();
  }
}
