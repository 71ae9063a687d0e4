import * as vscode from 'vscode';
import { FolderInfo, Verification, verifyFolder } from '../core';
import type { CommandContext } from './commands';
import { Run } from './runConfig';
import { TreeNode } from './tree';

/** Outcome of one Verify command. */
export interface VerifySummary {
  checked: number;
  /** Folders found corrupt or incomplete. */
  problems: Array<{ info: FolderInfo; result: Verification }>;
  /** Folders without checksums (HuggingFace output), which cannot be verified. */
  unverifiable: number;
  cancelled: boolean;
}

/**
 * Verifies the SHA-256 hashes of one folder (a folder row), of every folder of a run (a run or group row), or of
 * every run (no row), with a cancellable progress notification. Results go into the tree.
 */
export async function verifyWithProgress(c: CommandContext, node?: TreeNode): Promise<VerifySummary> {
  const folders = await foldersToVerify(c, node);
  const summary: VerifySummary = { checked: 0, problems: [], unverifiable: 0, cancelled: false };
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Verifying saved folders'), cancellable: true },
    async (progress, token) => {
      for (const info of folders) {
        if (token.isCancellationRequested) {
          summary.cancelled = true;
          break;
        }
        progress.report({ message: info.name, increment: 100 / Math.max(1, folders.length) });
        const result = await verifyOne(c, info);
        summary.checked++;
        if (result.state === 'unverified') {
          summary.unverifiable++;
        } else if (result.state !== 'ok') {
          summary.problems.push({ info, result });
        }
      }
    },
  );
  c.tree.fire();
  report(summary);
  return summary;
}

async function verifyOne(c: CommandContext, info: FolderInfo): Promise<Verification> {
  let result: Verification;
  try {
    result = await verifyFolder(info.path);
  } catch (error) {
    result = { state: 'unverified', reason: error instanceof Error ? error.message : String(error) };
  }
  c.tree.recordVerification(info, result);
  let line = `${info.path}: ${result.state}`;
  if (result.state === 'corrupt') {
    line += ` (${result.file}: ${result.reason})`;
  } else if (result.state !== 'ok') {
    line += ` (${result.reason})`;
  }
  if (result.state === 'ok') {
    c.log.info('Verify', line);
  } else {
    c.log.warn('Verify', line);
  }
  return result;
}

async function foldersToVerify(c: CommandContext, node?: TreeNode): Promise<FolderInfo[]> {
  if (node?.type === 'folder') {
    return [node.info];
  }
  if (node?.type === 'group') {
    return (await c.tree.folderNodes(node.run, node.kind)).map((folder) => folder.info);
  }
  const runs: readonly Run[] = node?.type === 'run' ? [node.run] : c.registry.runs;
  const folders: FolderInfo[] = [];
  for (const run of runs) {
    for (const kind of ['checkpoint', 'backup'] as const) {
      folders.push(...(await c.tree.folderNodes(run, kind)).map((folder) => folder.info));
    }
  }
  return folders;
}

function report(summary: VerifySummary): void {
  if (summary.checked === 0 && !summary.cancelled) {
    void vscode.window.showInformationMessage(vscode.l10n.t('There are no saved folders to verify.'));
    return;
  }
  const parts: string[] = [];
  if (summary.cancelled) {
    parts.push(vscode.l10n.t('Verification cancelled after {0} folder(s).', summary.checked));
  }
  if (summary.unverifiable > 0) {
    parts.push(vscode.l10n.t('{0} folder(s) have no checksums and cannot be verified.', summary.unverifiable));
  }
  const prefix = parts.map((part) => part + ' ').join('');
  if (summary.problems.length === 0) {
    const verified = summary.checked - summary.unverifiable;
    void vscode.window.showInformationMessage(prefix + vscode.l10n.t('{0} folder(s) verified: every file matches its hash.', verified));
    return;
  }
  const names = summary.problems.map(({ info, result }) => `${info.name} (${result.state})`).join(', ');
  void vscode.window.showWarningMessage(
    prefix + vscode.l10n.t('{0} of {1} folder(s) failed verification: {2}. See the log for details.', summary.problems.length, summary.checked, names),
  );
}
