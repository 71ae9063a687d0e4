import * as fs from 'node:fs/promises';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import * as vscode from 'vscode';
import { Log } from './log';
import { Run, runFromConfig, runFromOutputFolder } from './runConfig';

/** File name of a run config. */
export const runConfigName = 'training.json';
const runConfigGlob = `**/${runConfigName}`;
const excludedGlob = '{**/node_modules/**,**/.git/**}';
/** Upper bound of run configs listed, so a huge workspace cannot stall the sidebar. */
const maxRunConfigs = 200;

/** Finds the runs of the workspace: every training.json, plus the HuggingFace output folders from the settings. */
export async function findRuns(log: Log): Promise<Run[]> {
  const settings = vscode.workspace.getConfiguration('trainingBackups');
  const backupFolder = settings.get<string>('defaultBackupFolder', '');
  const configUris = await vscode.workspace.findFiles(runConfigGlob, excludedGlob, maxRunConfigs);
  const runs: Run[] = [];
  for (const uri of configUris.sort((a, b) => a.fsPath.localeCompare(b.fsPath))) {
    runs.push(await readRun(uri.fsPath, backupFolder, log));
  }

  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  for (const folder of settings.get<string[]>('extraOutputFolders', [])) {
    if (typeof folder === 'string' && folder.trim() !== '') {
      const run = runFromOutputFolder(folder.trim(), root);
      if (!runs.some((known) => known.id === run.id)) {
        runs.push(run);
      }
    }
  }
  return runs;
}

/** Reads one training.json; an unreadable or invalid file still yields a run, with `configError` set. */
export async function readRun(configPath: string, backupFolder: string, log: Log): Promise<Run> {
  try {
    const errors: ParseError[] = [];
    const text = await fs.readFile(configPath, 'utf8');
    const config: unknown = parseJsonc(text, errors, { allowTrailingComma: true });
    if (errors.length > 0) {
      const before = text.slice(0, errors[0].offset).split('\n');
      const line = before.length;
      const column = before[before.length - 1].length + 1;
      throw new Error(`invalid JSON (${printParseErrorCode(errors[0].error)}) at line ${line}, column ${column}`);
    }
    return runFromConfig(configPath, config, { backupFolder });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    log.warn('Runs', `${configPath} could not be read: ${reason}`);
    return { ...runFromConfig(configPath, {}, { backupFolder }), configError: reason };
  }
}

/** The runs currently shown in the sidebar; reloaded by the RefreshManager. */
export class RunRegistry implements vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<readonly Run[]>();
  /** Fires after every reload with the runs found. */
  readonly onDidChangeRuns = this.changeEmitter.event;
  private current: Run[] = [];
  /** Run configs opened by path that the workspace search does not find (outside the workspace folders). */
  private readonly opened = new Set<string>();
  private scanned = false;

  constructor(private readonly log: Log) {}

  get runs(): readonly Run[] {
    return this.current;
  }

  /** Whether the workspace was searched at least once. */
  get hasScanned(): boolean {
    return this.scanned;
  }

  /** Finds the runs again and updates the `trainingBackups.hasRuns` / `trainingBackups.scanned` context keys. */
  async reload(): Promise<readonly Run[]> {
    const found = await findRuns(this.log);
    const backupFolder = vscode.workspace.getConfiguration('trainingBackups').get<string>('defaultBackupFolder', '');
    for (const configPath of this.opened) {
      if (!found.some((run) => run.configPath === configPath)) {
        found.push(await readRun(configPath, backupFolder, this.log));
      }
    }
    this.current = found;
    this.changeEmitter.fire(found);
    this.scanned = true;
    await vscode.commands.executeCommand('setContext', 'trainingBackups.hasRuns', this.current.length > 0);
    await vscode.commands.executeCommand('setContext', 'trainingBackups.scanned', true);
    this.log.debug('Runs', `Found ${this.current.length} run(s)`);
    return this.current;
  }

  /** Returns the run of the training.json at `configPath`, adding a file outside the workspace to the sidebar. */
  async open(configPath: string): Promise<Run> {
    const known = this.current.find((run) => run.configPath === configPath);
    if (known !== undefined) {
      return known;
    }
    this.opened.add(configPath);
    await this.reload();
    return this.current.find((run) => run.configPath === configPath)!;
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }
}
