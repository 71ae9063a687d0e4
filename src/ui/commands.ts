import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { deleteFolder, FolderInfo, listFolders, setPinned } from '../core';
import { LossChartPanel } from './chartPanel';
import { Log } from './log';
import { RefreshManager } from './refresh';
import { protectedAmong } from './rowState';
import { Run } from './runConfig';
import { runConfigName, RunRegistry } from './runs';
import { SessionManager } from './sessions';
import { StatusBarController } from './statusBar';
import { FolderNode, RunsTreeProvider, TreeNode } from './tree';
import { verifyWithProgress } from './verify';

/** The long-lived objects the commands act on. */
export interface CommandContext {
  extensionUri: vscode.Uri;
  registry: RunRegistry;
  sessions: SessionManager;
  tree: RunsTreeProvider;
  refresh: RefreshManager;
  statusBar: StatusBarController;
  chart: LossChartPanel;
  log: Log;
}

/** Folder of the demo inside a workspace, when the workspace has no copy of it yet. */
const demoFolderName = 'spam';

/** Registers every command of the extension; returns their registrations. */
export function registerCommands(c: CommandContext): vscode.Disposable[] {
  const register = (id: string, handler: (...args: any[]) => unknown) =>
    vscode.commands.registerCommand(`trainingBackups.${id}`, async (...args: unknown[]) => {
      try {
        return await handler(...args);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        c.log.error('Commands', `${id} failed`, error);
        void vscode.window.showErrorMessage(message);
        return undefined;
      }
    });

  return [
    register('startTraining', async (node?: TreeNode) => {
      const run = await runOf(c, node, vscode.l10n.t('Select the run to train'), (r) => r.configPath !== undefined);
      return run && startNewRun(c, run);
    }),
    register('startDemo', async () => startDemo(c)),
    register('stopTraining', async (node?: TreeNode) => stopTraining(c, node)),
    register('resumeFromCheckpoint', async (node?: TreeNode) => {
      if (node?.type === 'folder') {
        return startSession(c, node.run, 'resume', node.info.path);
      }
      const run = await runOf(c, node, vscode.l10n.t('Select the run to resume'), (r) => r.configPath !== undefined);
      // Without a folder the trainer takes the newest checkpoint that verifies.
      return run && startSession(c, run, 'resume');
    }),
    register('restoreBackup', async (node?: TreeNode) => restoreBackup(c, node)),
    register('restartTraining', async (node?: TreeNode) => restartTraining(c, node)),
    register('verify', async (node?: TreeNode) => {
      await verifyWithProgress(c, node);
    }),
    register('pin', async (node?: TreeNode) => setPin(c, node, true)),
    register('unpin', async (node?: TreeNode) => setPin(c, node, false)),
    register('delete', async (node?: TreeNode) => deleteSavedFolder(c, node)),
    register('revealInExplorer', async (node?: TreeNode) => {
      if (node?.type === 'folder') {
        await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(node.info.path));
      }
    }),
    register('copyPath', async (node?: TreeNode) => {
      if (node?.type === 'folder') {
        await vscode.env.clipboard.writeText(node.info.path);
      }
    }),
    register('showLog', () => {
      c.log.show();
      c.statusBar.acknowledgeFailure();
    }),
    register('openLossChart', async (node?: TreeNode) => {
      const active = c.sessions.active();
      const run = node === undefined && active.length === 1
        ? active[0].run
        : await runOf(c, node, vscode.l10n.t('Select the run whose loss to plot'), () => true);
      return run && c.chart.show(run);
    }),
    register('refresh', async () => c.refresh.refresh('runs', 'manual')),
    register('pickOutputFolder', async () => pickOutputFolder(c)),
  ];
}

/** Starts a session and opens nothing else; refusals come back as errors with the reason. */
function startSession(c: CommandContext, run: Run, mode: 'train' | 'resume' | 'restore', from?: string) {
  const session = c.sessions.start(run, mode, from);
  c.tree.fire();
  return session;
}

/**
 * Starts a new run, or offers to resume when the output folder already has checkpoints, because the trainer
 * does not train a new run over existing checkpoints.
 */
async function startNewRun(c: CommandContext, run: Run) {
  const reason = c.sessions.whyNotStart(run);
  if (reason !== undefined) {
    throw new Error(reason);
  }
  const checkpoints = await listFolders(run.outputDir, 'checkpoint');
  const newest = checkpoints[checkpoints.length - 1];
  if (newest === undefined) {
    return startSession(c, run, 'train');
  }
  const resume = vscode.l10n.t('Resume');
  const answer = await vscode.window.showInformationMessage(
    vscode.l10n.t('{0} already has checkpoints (newest: step {1}). Resume from the newest valid checkpoint?', run.name, newest.step),
    {
      modal: true,
      detail: vscode.l10n.t('A new run needs an empty output folder: set another outputDir in {0}, or delete the checkpoints of {1}.', runConfigName, run.outputDir),
    },
    resume,
  );
  return answer === resume ? startSession(c, run, 'resume') : undefined;
}

/** Returns the run of a tree node, or the run the user picks in a quick pick (the only run without one). */
async function runOf(c: CommandContext, node: TreeNode | undefined, placeHolder: string, filter: (run: Run) => boolean): Promise<Run | undefined> {
  if (node !== undefined) {
    return node.run;
  }
  if (!c.registry.hasScanned) {
    await c.registry.reload();
  }
  const runs = c.registry.runs.filter(filter);
  if (runs.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No run config ({0}) was found in this workspace. Start the demo to create one.', runConfigName));
    return undefined;
  }
  if (runs.length === 1) {
    return runs[0];
  }
  const picked = await vscode.window.showQuickPick(
    runs.map((run) => ({ label: run.name, description: run.configPath ?? run.outputDir, run })),
    { placeHolder },
  );
  return picked?.run;
}

async function startDemo(c: CommandContext) {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (root === undefined) {
    throw new Error(vscode.l10n.t('The demo needs a workspace folder to write its checkpoints into. Open a folder and run Start Demo again.'));
  }
  if (!c.sessions.isTrusted()) {
    // Checked before copying, so an untrusted workspace gets no new file either.
    throw new Error(vscode.l10n.t('Training runs code from the workspace, so it needs a trusted workspace. Trust this workspace to start training.'));
  }
  const candidates = [path.join(root, 'examples', 'spam', runConfigName), path.join(root, demoFolderName, runConfigName)];
  let configPath: string | undefined;
  for (const candidate of candidates) {
    if (await exists(candidate)) {
      configPath = candidate;
      break;
    }
  }
  if (configPath === undefined) {
    configPath = candidates[1];
    const source = vscode.Uri.joinPath(c.extensionUri, 'examples', 'spam', runConfigName).fsPath;
    await fs.mkdir(path.dirname(configPath), { recursive: true });
    // The copy drops "$schema": its relative path points into the extension, and jsonValidation supplies the schema.
    const { $schema: _schema, ...config } = JSON.parse(await fs.readFile(source, 'utf8')) as Record<string, unknown>;
    // Flag 'wx' fails instead of overwriting a file the user created in the meantime.
    await fs.writeFile(configPath, JSON.stringify(config, null, 2) + '\n', { flag: 'wx' });
    c.log.info('Commands', `Copied the demo run config to ${configPath}`);
  }
  await vscode.window.showTextDocument(vscode.Uri.file(configPath), { preview: true, preserveFocus: true });
  const run = await c.registry.open(configPath);
  c.tree.fire();
  return startNewRun(c, run);
}

async function stopTraining(c: CommandContext, node?: TreeNode) {
  let run = node?.run;
  if (run === undefined) {
    const active = c.sessions.active();
    if (active.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('No training is running.'));
      return undefined;
    }
    run = active.length === 1 ? active[0].run : (await vscode.window.showQuickPick(
      active.map((session) => ({ label: session.run.name, description: session.run.configPath, run: session.run })),
      { placeHolder: vscode.l10n.t('Select the run to stop') },
    ))?.run;
  }
  if (run === undefined) {
    return undefined;
  }
  const result = c.sessions.stop(run);
  if (result === 'stopping') {
    vscode.window.setStatusBarMessage(vscode.l10n.t('Stopping {0}: saving a checkpoint after the current step. Stop again to end it at once.', run.name), 5000);
  } else if (result === 'killed') {
    void vscode.window.showWarningMessage(vscode.l10n.t('{0} was ended at once; nothing was saved after the last checkpoint.', run.name));
  }
  c.tree.fire();
  return result;
}

/** Lists the run's own checkpoints and backups above `step`, which a restore from `step` moves aside. */
async function laterFolders(run: Run, step: number): Promise<FolderInfo[]> {
  const folders = [...(await listFolders(run.outputDir, 'checkpoint')), ...(await listFolders(run.backupDir, 'backup'))];
  return folders.filter((info) => info.step > step && info.format !== 'huggingface');
}

/** Builds the confirmation lines that name the pinned folders and the best checkpoint among `later`. */
async function protectedFolderWarnings(c: CommandContext, run: Run, later: FolderInfo[]): Promise<string[]> {
  const bestPath = (await c.tree.folderNodes(run, 'checkpoint')).find((node) => node.best)?.info.path;
  const { pinned, best } = protectedAmong(later, bestPath);
  const warnings: string[] = [];
  if (pinned.length > 0) {
    warnings.push(vscode.l10n.t('These pinned folders move too: {0}.', pinned.join(', ')));
  }
  if (best !== undefined) {
    warnings.push(vscode.l10n.t('The best checkpoint {0} moves too.', best));
  }
  return warnings;
}

async function restoreBackup(c: CommandContext, node?: TreeNode) {
  let backup: FolderInfo | undefined;
  let run: Run | undefined;
  if (node?.type === 'folder' && node.info.kind === 'backup') {
    ({ run, info: backup } = node);
  } else {
    run = await runOf(c, node, vscode.l10n.t('Select the run to restore'), (r) => r.configPath !== undefined);
    if (run === undefined) {
      return undefined;
    }
    const backups = (await listFolders(run.backupDir, 'backup')).filter((info) => info.complete).reverse();
    if (backups.length === 0) {
      throw new Error(vscode.l10n.t('{0} has no complete backup in {1}.', run.name, run.backupDir));
    }
    backup = (await vscode.window.showQuickPick(
      backups.map((info) => ({ label: vscode.l10n.t('step {0}', info.step), description: info.path, info })),
      { placeHolder: vscode.l10n.t('Select the backup to restore') },
    ))?.info;
  }
  if (backup === undefined) {
    return undefined;
  }
  const restore = vscode.l10n.t('Restore');
  const details = [
    vscode.l10n.t('The optimizer state starts fresh, and steps continue from {0}. The backup itself is not changed.', backup.step + 1),
  ];
  const later = await laterFolders(run, backup.step);
  if (later.length > 0) {
    details.push(vscode.l10n.t(
      'The later folders {0} will be moved into a superseded-<time> folder beside them, so that the new run can save its own. Nothing is deleted.',
      later.map((info) => info.name).join(', '),
    ));
    details.push(...(await protectedFolderWarnings(c, run, later)));
  }
  const answer = await vscode.window.showWarningMessage(
    vscode.l10n.t('Start {0} from the weights of backup step {1}?', run.name, backup.step),
    { modal: true, detail: details.join('\n\n') },
    restore,
  );
  return answer === restore ? startSession(c, run, 'restore', backup.path) : undefined;
}

async function restartTraining(c: CommandContext, node?: TreeNode) {
  const run = await runOf(c, node, vscode.l10n.t('Select the run to restart'), (r) => r.configPath !== undefined);
  if (run === undefined) {
    return undefined;
  }
  const session = c.sessions.get(run);
  if (session?.isActive) {
    c.sessions.stop(run);
    await session.exited;
  }
  // The stop saved a checkpoint, so the new process continues from it; a run that never saved starts anew.
  const checkpoints = await listFolders(run.outputDir, 'checkpoint');
  return startSession(c, run, checkpoints.length > 0 ? 'resume' : 'train');
}

async function setPin(c: CommandContext, node: TreeNode | undefined, pinned: boolean) {
  if (node?.type !== 'folder') {
    return;
  }
  await setPinned(node.info.path, pinned);
  c.log.info('Commands', `${pinned ? 'Pinned' : 'Unpinned'} ${node.info.path}`);
  c.tree.fire();
}

async function deleteSavedFolder(c: CommandContext, node?: TreeNode) {
  if (node?.type !== 'folder') {
    return;
  }
  const reason = await whyNotDelete(c, node);
  if (reason !== undefined) {
    throw new Error(reason);
  }
  const remove = vscode.l10n.t('Delete');
  const answer = await vscode.window.showWarningMessage(
    vscode.l10n.t('Delete {0}?', node.info.path),
    { modal: true, detail: vscode.l10n.t('The folder is removed from disk and cannot be recovered.') },
    remove,
  );
  if (answer !== remove) {
    return;
  }
  await deleteFolder(node.info.path);
  c.log.info('Commands', `Deleted ${node.info.path}`);
  c.tree.fire();
}

/** Why a saved folder may not be deleted: untrusted workspace, a run training into it, or it is the last valid one. */
export async function whyNotDelete(c: CommandContext, node: FolderNode): Promise<string | undefined> {
  if (!c.sessions.isTrusted()) {
    return vscode.l10n.t('Deleting needs a trusted workspace. Trust this workspace first.');
  }
  if (node.info.format !== 'ours') {
    return vscode.l10n.t('{0} was not written by Training Backups, so it is not deleted from here.', node.info.path);
  }
  if (c.sessions.isTraining(node.run)) {
    return vscode.l10n.t('{0} is training. Stop it before deleting its folders.', node.run.name);
  }
  const siblings = await c.tree.folderNodes(node.run, node.info.kind);
  const valid = siblings.filter((sibling) => sibling.state === 'ok');
  if (node.state === 'ok' && valid.length <= 1) {
    return node.info.kind === 'checkpoint'
      ? vscode.l10n.t('{0} is the last valid checkpoint of {1}, so it is kept.', node.info.name, node.run.name)
      : vscode.l10n.t('{0} is the last valid backup of {1}, so it is kept.', node.info.name, node.run.name);
  }
  return undefined;
}

async function pickOutputFolder(c: CommandContext) {
  const picked = await vscode.window.showOpenDialog({
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
    openLabel: vscode.l10n.t('Add Output Folder'),
    title: vscode.l10n.t('Pick the output folder of a HuggingFace Trainer run'),
  });
  const folder = picked?.[0]?.fsPath;
  if (folder === undefined) {
    return;
  }
  const settings = vscode.workspace.getConfiguration('trainingBackups');
  const folders = settings.get<string[]>('extraOutputFolders', []);
  if (!folders.includes(folder)) {
    const target = vscode.workspace.workspaceFolders ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await settings.update('extraOutputFolders', [...folders, folder], target);
  }
  await c.refresh.refresh('runs', 'config');
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
