import * as path from 'node:path';
import * as vscode from 'vscode';
import { Disposable } from './lifecycle';
import { Log } from './log';

/** Cause of a refresh, logged with it. */
export type RefreshReason = 'startup' | 'fileEvent' | 'config' | 'training' | 'manual';

/** Scope of a refresh: the list of runs itself, or only the saved folders of the runs already known. */
export type RefreshTarget = 'runs' | 'folders';

/** Delay that gathers the burst of file events of one checkpoint save into one refresh, in milliseconds. */
const refreshDelayMs = 300;

/**
 * Funnels every way the sidebar can go stale (file events, setting changes, training messages, the Refresh
 * command) into one `refresh(target, reason)`.
 */
export class RefreshManager extends Disposable {
  private pendingTarget: RefreshTarget | undefined;
  private timer: NodeJS.Timeout | undefined;
  private folderWatchers: vscode.Disposable[] = [];

  constructor(
    private readonly reloadRuns: () => Promise<void>,
    private readonly redrawFolders: () => void,
    private readonly log: Log,
  ) {
    super();
    const configWatcher = this._register(vscode.workspace.createFileSystemWatcher('**/training.json'));
    this._register(configWatcher.onDidCreate(() => this.refreshLater('runs', 'fileEvent')));
    this._register(configWatcher.onDidChange(() => this.refreshLater('runs', 'fileEvent')));
    this._register(configWatcher.onDidDelete(() => this.refreshLater('runs', 'fileEvent')));
    this._register(vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('trainingBackups.extraOutputFolders') || event.affectsConfiguration('trainingBackups.defaultBackupFolder')) {
        void this.refresh('runs', 'config');
      }
    }));
    this._register({ dispose: () => this.clearTimer() });
    this._register({ dispose: () => this.disposeFolderWatchers() });
  }

  /** Refreshes now. `runs` finds the runs again and redraws the whole tree; `folders` only redraws. */
  async refresh(target: RefreshTarget, reason: RefreshReason): Promise<void> {
    this.log.trace('Refresh', `${target} (${reason})`);
    if (target === 'runs') {
      await this.reloadRuns();
    } else {
      this.redrawFolders();
    }
  }

  /**
   * Refreshes once, `refreshDelayMs` after the first request of a burst; a `runs` request wins over a `folders`
   * one made in the same period. Later requests do not postpone the refresh, because progress messages arrive
   * several times a second during training and would otherwise hold it off until the run ends.
   */
  refreshLater(target: RefreshTarget, reason: RefreshReason): void {
    this.pendingTarget = this.pendingTarget === 'runs' ? 'runs' : target;
    if (this.timer !== undefined) {
      return;
    }
    this.timer = setTimeout(() => {
      const pending = this.pendingTarget ?? 'folders';
      this.pendingTarget = undefined;
      this.timer = undefined;
      this.refresh(pending, reason).catch((error) => this.log.error('Refresh', 'Refresh failed', error));
    }, refreshDelayMs);
  }

  /** Watches the output and backup folders of the runs; replaces the previous watchers. */
  watchFolders(folders: string[]): void {
    this.disposeFolderWatchers();
    for (const folder of [...new Set(folders.map((f) => path.resolve(f)))]) {
      // A relative pattern on the parent also reports the folder itself being created or deleted.
      const pattern = new vscode.RelativePattern(vscode.Uri.file(path.dirname(folder)), `${path.basename(folder)}/**`);
      const watcher = vscode.workspace.createFileSystemWatcher(pattern);
      const onEvent = () => this.refreshLater('folders', 'fileEvent');
      this.folderWatchers.push(watcher, watcher.onDidCreate(onEvent), watcher.onDidChange(onEvent), watcher.onDidDelete(onEvent));
    }
  }

  private clearTimer(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private disposeFolderWatchers(): void {
    for (const watcher of this.folderWatchers.splice(0)) {
      watcher.dispose();
    }
  }
}
