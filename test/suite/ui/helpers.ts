// Shared helpers of the in-editor UI tests: the extension's API, small throwaway runs, and tree rows.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { TrainingBackupsApi } from '../../../src/extension';
import type { Run } from '../../../src/ui/runConfig';
import type { FolderNode, GroupNode, RunNode, TreeNode } from '../../../src/ui/tree';

export const extensionId = 'training-backups.training-backups';

/** A small run config: 150 steps with a checkpoint and a backup every 50 (about 8 s on the wasm backend of a 2-core machine). */
export const smallConfig = {
  recipe: 'spam',
  outputDir: 'output',
  backupDir: 'backups',
  maxSteps: 150,
  saveSteps: 50,
  loggingSteps: 10,
  batchSize: 32,
  learningRate: 0.001,
  saveTotalLimit: 0,
  totalBackupLimit: 0,
  seed: 42,
};

export async function getApi(): Promise<TrainingBackupsApi> {
  const extension = vscode.extensions.getExtension<TrainingBackupsApi>(extensionId);
  assert.ok(extension, `extension ${extensionId} is not loaded`);
  return extension.isActive ? extension.exports : extension.activate();
}

/** Writes a run config into a new temporary folder and adds it to the sidebar; returns the run. */
export async function createRun(api: TrainingBackupsApi, name: string, overrides: Record<string, unknown> = {}): Promise<Run> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tb-ui-${name}-`));
  const configPath = path.join(dir, 'training.json');
  fs.writeFileSync(configPath, JSON.stringify({ ...smallConfig, ...overrides }, null, 2));
  return api.registry.open(configPath);
}

export async function runNode(api: TrainingBackupsApi, run: Run): Promise<RunNode> {
  const nodes = await api.tree.getChildren();
  const node = nodes.find((candidate): candidate is RunNode => candidate.type === 'run' && candidate.run.id === run.id);
  assert.ok(node, `the tree has no row for ${run.configPath}`);
  return node;
}

/** Returns the folder rows of one group of a run, as the tree provider returns them (newest first). */
export async function folderRows(api: TrainingBackupsApi, run: Run, kind: 'checkpoint' | 'backup'): Promise<FolderNode[]> {
  const groups = await api.tree.getChildren(await runNode(api, run));
  const group = groups.find((candidate): candidate is GroupNode => candidate.type === 'group' && candidate.kind === kind);
  assert.ok(group, `the run row of ${run.name} has no ${kind} group`);
  const rows: TreeNode[] = await api.tree.getChildren(group);
  return rows.filter((row): row is FolderNode => row.type === 'folder');
}

/** Removes a temporary run folder created by `createRun`. */
export function removeRun(run: Run | undefined): void {
  if (run?.configPath !== undefined && run.configPath.startsWith(os.tmpdir())) {
    fs.rmSync(path.dirname(run.configPath), { recursive: true, force: true });
  }
}
