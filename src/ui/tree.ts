import * as path from 'node:path';
import * as vscode from 'vscode';
import { FolderInfo, FolderKind, listFolders, listSuperseded, readTrainerState, SupersededFolder, Verification } from '../core';
import { formatAge, formatBytes, formatLoss, joinParts } from './format';
import { Disposable } from './lifecycle';
import { Log } from './log';
import { Run } from './runConfig';
import { folderContextValue, FolderState, folderState } from './rowState';
import { VerificationStore } from './verificationStore';

export type RunNode = { type: 'run'; run: Run };
export type GroupNode = { type: 'group'; run: Run; kind: FolderKind };
/** The collapsed "Superseded" node of a run, shown only when the run has `superseded-*` folders. */
export type SupersededNode = { type: 'superseded'; run: Run };
/** One `superseded-*` folder of a run; its rows are read-only. */
export type SupersededDirNode = { type: 'supersededDir'; run: Run; dir: SupersededFolder };
/**
 * A saved folder row. `verified` is true only when a hash check of every file passed, not merely when the
 * manifest is complete. `supersededDir` is set for a folder inside a `superseded-*` folder.
 */
export type FolderNode = {
  type: 'folder'; run: Run; info: FolderInfo; state: FolderState; best: boolean; verified: boolean; supersededDir?: SupersededFolder;
};
export type TreeNode = RunNode | GroupNode | SupersededNode | SupersededDirNode | FolderNode;

export type { FolderState } from './rowState';

/** Source of the runs and of which runs are training; the tree does not own them. */
export interface TreeSources {
  runs(): readonly Run[];
  isTraining(run: Run): boolean;
  /** Training progress text for the run row, when the run is training. */
  progressText(run: Run): string | undefined;
}

/**
 * The runs tree: run → Checkpoints / Backups → one row per saved folder, newest first, and
 * run → Superseded → one node per `superseded-*` folder → its folders.
 */
export class RunsTreeProvider extends Disposable implements vscode.TreeDataProvider<TreeNode> {
  private readonly changeEmitter = this._register(new vscode.EventEmitter<TreeNode | undefined>());
  readonly onDidChangeTreeData = this.changeEmitter.event;

  /** Verification results by folder path, kept until the folder is listed with another creation time or is gone. */
  private readonly verifications = new Map<string, { created?: number; result: Verification }>();
  /** Path of the best checkpoint by run id, from the newest checkpoint's trainer_state.json. */
  private readonly bestCheckpoints = new Map<string, string | undefined>();

  constructor(private readonly sources: TreeSources, private readonly log: Log, private readonly store?: VerificationStore) {
    super();
  }

  /** Makes the tree ask again for the children of `node`, or of the whole tree. */
  fire(node?: TreeNode): void {
    this.changeEmitter.fire(node);
  }

  /** Keeps a verification result for this window and, when a store is set, across reloads. */
  recordVerification(info: FolderInfo, result: Verification): void {
    this.verifications.set(info.path, { created: info.created?.getTime(), result });
    this.store?.record(info.path, result).catch((error) => this.log.error('Tree', `Storing the verification of ${info.path} failed`, error));
  }

  verificationOf(info: FolderInfo): Verification | undefined {
    const cached = this.verifications.get(info.path);
    if (cached === undefined || cached.created !== info.created?.getTime()) {
      return this.store?.lookup(info.path) ?? info.verification;
    }
    return cached.result;
  }

  getParent(node: TreeNode): TreeNode | undefined {
    if (node.type === 'group' || node.type === 'superseded') {
      return { type: 'run', run: node.run };
    }
    if (node.type === 'supersededDir') {
      return { type: 'superseded', run: node.run };
    }
    if (node.type === 'folder' && node.supersededDir !== undefined) {
      return { type: 'supersededDir', run: node.run, dir: node.supersededDir };
    }
    if (node.type === 'folder') {
      return { type: 'group', run: node.run, kind: node.info.kind };
    }
    return undefined;
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (node === undefined) {
      return this.sources.runs().map((run) => ({ type: 'run', run }));
    }
    if (node.type === 'run') {
      const groups: TreeNode[] = [{ type: 'group', run: node.run, kind: 'checkpoint' }, { type: 'group', run: node.run, kind: 'backup' }];
      if ((await this.supersededDirs(node.run)).length > 0) {
        groups.push({ type: 'superseded', run: node.run });
      }
      return groups;
    }
    if (node.type === 'group') {
      return this.folderNodes(node.run, node.kind);
    }
    if (node.type === 'superseded') {
      return (await this.supersededDirs(node.run)).map((dir) => ({ type: 'supersededDir', run: node.run, dir }));
    }
    if (node.type === 'supersededDir') {
      return this.supersededFolderNodes(node);
    }
    return [];
  }

  /**
   * Lists the `superseded-*` folders in the run's checkpoint and backup folders, newest first. A folder
   * that cannot be listed yields no entries and a log line.
   */
  async supersededDirs(run: Run): Promise<SupersededFolder[]> {
    const parents = samePath(run.outputDir, run.backupDir) ? [run.outputDir] : [run.outputDir, run.backupDir];
    const dirs: SupersededFolder[] = [];
    for (const parentDir of parents) {
      try {
        dirs.push(...(await listSuperseded(parentDir)));
      } catch (error) {
        this.log.error('Tree', `Listing superseded folders in ${parentDir} failed`, error);
      }
    }
    const timeOf = (dir: SupersededFolder): number => dir.created?.getTime() ?? -Infinity;
    return dirs.sort((a, b) => timeOf(b) - timeOf(a));
  }

  /** Builds the read-only rows of one `superseded-*` folder: checkpoints, then backups, newest step first. */
  private supersededFolderNodes(node: SupersededDirNode): FolderNode[] {
    const kindOrder = (info: FolderInfo): number => (info.kind === 'checkpoint' ? 0 : 1);
    return node.dir.folders
      .slice()
      .sort((a, b) => kindOrder(a) - kindOrder(b) || b.step - a.step)
      .map((info) => ({
        type: 'folder',
        run: node.run,
        info,
        state: this.stateOf(info),
        best: false,
        verified: this.verificationOf(info)?.state === 'ok',
        supersededDir: node.dir,
      }));
  }

  /** Lists the saved folders of one kind of a run, newest first. A folder that cannot be listed yields no rows and a log line. */
  async folderNodes(run: Run, kind: FolderKind): Promise<FolderNode[]> {
    const parentDir = kind === 'checkpoint' ? run.outputDir : run.backupDir;
    let folders: FolderInfo[];
    try {
      folders = await listFolders(parentDir, kind);
    } catch (error) {
      this.log.error('Tree', `Listing ${kind} folders in ${parentDir} failed`, error);
      return [];
    }
    const best = kind === 'checkpoint' ? await this.bestCheckpoint(run, folders) : undefined;
    return folders
      .slice()
      .reverse()
      .map((info) => ({
        type: 'folder',
        run,
        info,
        state: this.stateOf(info),
        best: best !== undefined && samePath(best, info.path),
        verified: this.verificationOf(info)?.state === 'ok',
      }));
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    if (node.type === 'run') {
      return this.runItem(node.run);
    }
    if (node.type === 'superseded') {
      return this.supersededItem(node);
    }
    if (node.type === 'supersededDir') {
      return this.supersededDirItem(node);
    }
    if (node.type === 'group') {
      const label = node.kind === 'checkpoint' ? vscode.l10n.t('Checkpoints') : vscode.l10n.t('Backups');
      const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `${node.run.id}#${node.kind}`;
      item.contextValue = `group.${node.kind}`;
      item.iconPath = new vscode.ThemeIcon(node.kind === 'checkpoint' ? 'database' : 'archive');
      item.tooltip = node.kind === 'checkpoint' ? node.run.outputDir : node.run.backupDir;
      return item;
    }
    return this.folderItem(node);
  }

  private supersededItem(node: SupersededNode): vscode.TreeItem {
    const item = new vscode.TreeItem(vscode.l10n.t('Superseded'), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `${node.run.id}#superseded`;
    item.contextValue = 'superseded';
    item.iconPath = new vscode.ThemeIcon('history');
    item.tooltip = vscode.l10n.t(
      'Folders moved aside when the run restarted from an earlier step (a restore or a resume). They are kept and never rotated.',
    );
    return item;
  }

  private supersededDirItem(node: SupersededDirNode): vscode.TreeItem {
    const { dir } = node;
    const label = dir.created ? dir.created.toLocaleString(vscode.env.language) : dir.name;
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `${node.run.id}#superseded#${dir.path}`;
    item.resourceUri = vscode.Uri.file(dir.path);
    item.contextValue = 'supersededDir';
    item.iconPath = new vscode.ThemeIcon('folder');
    const checkpoints = dir.folders.filter((info) => info.kind === 'checkpoint').length;
    const backups = dir.folders.length - checkpoints;
    item.description = vscode.l10n.t('{0} checkpoint(s), {1} backup(s)', checkpoints, backups);
    item.tooltip = vscode.l10n.t('Path: {0}', dir.path);
    return item;
  }

  private runItem(run: Run): vscode.TreeItem {
    const training = this.sources.isTraining(run);
    const item = new vscode.TreeItem(run.name, vscode.TreeItemCollapsibleState.Expanded);
    item.id = run.id;
    item.contextValue = training ? 'run.training' : 'run.idle';
    if (run.source === 'huggingface') {
      item.contextValue += '.readonly';
    }
    item.iconPath = new vscode.ThemeIcon(training ? 'sync~spin' : run.configError ? 'warning' : 'beaker');
    if (training) {
      item.description = this.sources.progressText(run) ?? vscode.l10n.t('training');
    } else if (run.configError !== undefined) {
      item.description = vscode.l10n.t('invalid training.json');
    } else if (run.source === 'huggingface') {
      item.description = vscode.l10n.t('HuggingFace output folder');
    }
    const lines = [
      run.configPath ? vscode.l10n.t('Run config: {0}', run.configPath) : undefined,
      vscode.l10n.t('Checkpoints: {0}', run.outputDir),
      vscode.l10n.t('Backups: {0}', run.backupDir),
      run.configError ? vscode.l10n.t('training.json could not be read: {0}', run.configError) : undefined,
    ];
    item.tooltip = lines.filter((line) => line !== undefined).join('\n');
    return item;
  }

  private folderItem(node: FolderNode): vscode.TreeItem {
    const { info, state, best, verified } = node;
    const locale = vscode.env.language;
    const item = new vscode.TreeItem(vscode.l10n.t('step {0}', info.step), vscode.TreeItemCollapsibleState.None);
    item.id = info.path;
    item.resourceUri = vscode.Uri.file(info.path);
    item.description = joinParts([
      info.loss !== undefined ? vscode.l10n.t('loss {0}', formatLoss(info.loss)) : undefined,
      info.created ? formatAge(info.created, new Date(), locale) : undefined,
      formatBytes(info.sizeBytes, locale),
    ]);
    item.contextValue = folderContextValue(info, state, best, node.supersededDir !== undefined);
    item.iconPath = folderIcon(state, verified, info.pinned, best);
    item.tooltip = this.folderTooltip(node);
    return item;
  }

  private folderTooltip(node: FolderNode): vscode.MarkdownString {
    const { info } = node;
    const verification = this.verificationOf(info);
    const lines = [
      `**${info.name}**`,
      '',
      vscode.l10n.t('Path: {0}', info.path),
      info.created ? vscode.l10n.t('Created: {0}', info.created.toLocaleString(vscode.env.language)) : undefined,
      info.epoch !== undefined ? vscode.l10n.t('Epoch: {0}', formatLoss(info.epoch)) : undefined,
      info.loss !== undefined ? vscode.l10n.t('Loss: {0}', formatLoss(info.loss)) : undefined,
      vscode.l10n.t('Size: {0}', formatBytes(info.sizeBytes, vscode.env.language)),
      info.pinned ? vscode.l10n.t('Pinned: rotation never deletes it.') : undefined,
      node.best ? vscode.l10n.t('Best checkpoint of the run.') : undefined,
      node.supersededDir ? vscode.l10n.t('Superseded: moved aside when the run restarted from an earlier step. Read-only here.') : undefined,
      describeVerification(info, verification),
    ];
    const markdown = new vscode.MarkdownString(lines.filter((line) => line !== undefined).join('  \n'));
    markdown.supportThemeIcons = true;
    return markdown;
  }

  private stateOf(info: FolderInfo): FolderState {
    return folderState(info, this.verificationOf(info));
  }

  private async bestCheckpoint(run: Run, checkpoints: FolderInfo[]): Promise<string | undefined> {
    const newest = checkpoints[checkpoints.length - 1];
    if (newest === undefined) {
      return undefined;
    }
    try {
      const state = await readTrainerState(newest.path);
      const best = state?.bestModelCheckpoint;
      const resolved = best === undefined ? undefined : path.resolve(run.outputDir, path.basename(best));
      this.bestCheckpoints.set(run.id, resolved);
      return resolved;
    } catch (error) {
      this.log.debug('Tree', `Reading trainer_state.json of ${newest.path} failed: ${String(error)}`);
      return this.bestCheckpoints.get(run.id);
    }
  }
}

function folderIcon(state: FolderState, verified: boolean, pinned: boolean, best: boolean): vscode.ThemeIcon {
  switch (state) {
    case 'corrupt':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
    case 'incomplete':
      return new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('list.warningForeground'));
    case 'unverified':
      return new vscode.ThemeIcon('question');
    case 'ok':
      if (pinned) {
        return new vscode.ThemeIcon('pinned');
      }
      if (best) {
        return new vscode.ThemeIcon('star-full', new vscode.ThemeColor('charts.yellow'));
      }
      // A filled green check only after Verify passed; a complete manifest alone gets a plain outline.
      return verified
        ? new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed'))
        : new vscode.ThemeIcon('pass');
  }
}

function describeVerification(info: FolderInfo, verification: Verification | undefined): string {
  if (verification === undefined) {
    return info.complete
      ? vscode.l10n.t('Complete, not verified yet: the manifest is present, but the file hashes were not checked. Run Verify to check them.')
      : vscode.l10n.t('Incomplete: no valid manifest.');
  }
  switch (verification.state) {
    case 'ok':
      return vscode.l10n.t('Verified: every file matches its SHA-256 hash.');
    case 'corrupt':
      return vscode.l10n.t('Corrupt: {0} ({1})', verification.file, verification.reason);
    case 'incomplete':
      return vscode.l10n.t('Incomplete: {0}', verification.reason);
    case 'unverified':
      return vscode.l10n.t('Unverified: {0}', verification.reason);
  }
}

function samePath(a: string, b: string): boolean {
  return path.resolve(a) === path.resolve(b);
}
