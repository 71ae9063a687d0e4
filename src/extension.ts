import * as vscode from 'vscode';
import { LossChartPanel } from './ui/chartPanel';
import { registerCommands } from './ui/commands';
import { Log } from './ui/log';
import { RefreshManager } from './ui/refresh';
import { RunRegistry } from './ui/runs';
import { SessionManager } from './ui/sessions';
import { runProgressText, StatusBarController } from './ui/statusBar';
import { RunsTreeProvider } from './ui/tree';
import { VerificationStore } from './ui/verificationStore';

/** Public API returned by `activate`, so that the in-editor tests can inspect the real objects. */
export interface TrainingBackupsApi {
  tree: RunsTreeProvider;
  sessions: SessionManager;
  statusBar: StatusBarController;
  log: Log;
  registry: RunRegistry;
  refresh: RefreshManager;
  chart: LossChartPanel;
  /** Verification results kept in workspaceState across reloads. */
  verifications: VerificationStore;
  /** Milliseconds from the call of `activate` to its return, measured by `activate` itself. */
  activationMs: number;
}

export function activate(context: vscode.ExtensionContext): TrainingBackupsApi {
  const startedAt = performance.now();
  const log = new Log();
  context.subscriptions.push(log);

  const trainerPath = vscode.Uri.joinPath(context.extensionUri, 'dist', 'trainer.js').fsPath;
  const sessions = new SessionManager(trainerPath, log, () => vscode.l10n.uri?.fsPath);
  const registry = new RunRegistry(log);
  const verifications = new VerificationStore(context.workspaceState);
  const tree = new RunsTreeProvider({
    runs: () => registry.runs,
    isTraining: (run) => sessions.isTraining(run),
    progressText: (run) => runProgressText(sessions, run),
  }, log, verifications);
  const refresh = new RefreshManager(async () => {
    await registry.reload();
  }, () => tree.fire(), log);
  context.subscriptions.push(registry, registry.onDidChangeRuns((runs) => {
    refresh.watchFolders(runs.flatMap((run) => [run.outputDir, run.backupDir]));
    tree.fire();
  }));
  const statusBar = new StatusBarController(sessions, log);
  const chart = new LossChartPanel(context.extensionUri, sessions, log);
  context.subscriptions.push(sessions, tree, refresh, statusBar, chart);

  context.subscriptions.push(vscode.window.createTreeView('trainingBackups.runs', { treeDataProvider: tree, showCollapseAll: true }));
  context.subscriptions.push(...registerCommands({ extensionUri: context.extensionUri, registry, sessions, tree, refresh, statusBar, chart, log }));
  context.subscriptions.push(sessions.onDidChangeSession(() => {
    void vscode.commands.executeCommand('setContext', 'trainingBackups.anyTraining', sessions.active().length > 0);
    refresh.refreshLater('folders', 'training');
  }));
  context.subscriptions.push(sessions.onDidReceiveMessage(({ message }) => {
    if (message.type === 'saved' || message.type === 'rotated' || message.type === 'progress') {
      refresh.refreshLater('folders', 'training');
    }
  }));

  void refresh.refresh('runs', 'startup').catch((error) => log.error('Extension', 'Finding the runs failed', error));
  log.info('Extension', `Activated (trainer: ${trainerPath})`);
  return { tree, sessions, statusBar, log, registry, refresh, chart, verifications, activationMs: performance.now() - startedAt };
}

// The extension's disposables (context.subscriptions) stop the training processes; nothing else to do here.
export function deactivate(): void {}
