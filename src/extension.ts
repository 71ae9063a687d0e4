import * as vscode from 'vscode';
import { Log } from './ui/log';

const commandIds = [
  'startTraining', 'startDemo', 'stopTraining', 'resumeFromCheckpoint', 'restoreBackup', 'restartTraining',
  'verify', 'pin', 'unpin', 'delete', 'revealInExplorer', 'copyPath', 'showLog', 'openLossChart', 'refresh',
  'pickOutputFolder',
];

export function activate(context: vscode.ExtensionContext) {
  const log = new Log();
  context.subscriptions.push(log);
  for (const id of commandIds) {
    context.subscriptions.push(vscode.commands.registerCommand(`trainingBackups.${id}`, () => {
      log.info('Commands', `${id}: not implemented yet`);
    }));
  }
  const statusBar = vscode.window.createStatusBarItem('trainingBackups.status', vscode.StatusBarAlignment.Left);
  context.subscriptions.push(statusBar);
  log.info('Extension', 'activated');
  return { tree: undefined, sessions: undefined, statusBar, log };
}

export function deactivate(): void {}
