// Training through the extension: rows appear in the tree, stop is graceful, restore continues the steps,
// and verify finds a corrupted folder. Each test trains a 150-step run of its own in a temporary folder.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ChildMessage } from '../../../src/protocol';
import type { TrainingBackupsApi } from '../../../src/extension';
import type { Run } from '../../../src/ui/runConfig';
import type { TrainingSession } from '../../../src/ui/sessions';
import { parseConfigFailure } from '../../../src/ui/failure';
import { RunsTreeProvider } from '../../../src/ui/tree';
import { createRun, folderRows, getApi, removeRun, runNode } from './helpers';

/** Resolves with the first message of `type` the session's child sends. */
function nextMessage<T extends ChildMessage['type']>(api: TrainingBackupsApi, session: TrainingSession, type: T): Promise<Extract<ChildMessage, { type: T }>> {
  return new Promise((resolve) => {
    const listener = api.sessions.onDidReceiveMessage(({ session: from, message }) => {
      if (from === session && message.type === type) {
        listener.dispose();
        resolve(message as Extract<ChildMessage, { type: T }>);
      }
    });
  });
}

describe('Training from the sidebar', function () {
  this.timeout(120_000);
  let api: TrainingBackupsApi;
  let trained: Run | undefined;
  const created: Run[] = [];

  before(async () => {
    api = await getApi();
  });

  after(() => {
    for (const session of api.sessions.active()) {
      session.child.kill('SIGKILL');
    }
    created.forEach(removeRun);
  });

  it('start lists checkpoints and backups', async () => {
    trained = await createRun(api, 'start');
    created.push(trained);
    const session = (await vscode.commands.executeCommand('trainingBackups.startTraining', await runNode(api, trained))) as TrainingSession | undefined;
    assert.ok(session, 'startTraining returned no session');
    assert.strictEqual((await runNode(api, trained)).run.id, trained.id);
    assert.strictEqual(api.tree.getTreeItem(await runNode(api, trained)).contextValue, 'run.training');
    // The status bar handles each message before this later listener, so the notice is already shown here.
    const noticeTexts: string[] = [];
    const noticeListener = api.sessions.onDidReceiveMessage(({ message }) => {
      if (message.type === 'saved' && message.kind === 'backup') {
        noticeTexts.push(api.statusBar.item.text);
      }
    });

    const code = await session.exited;
    noticeListener.dispose();
    assert.ok(noticeTexts.includes(`$(archive) ${trained.name} · backup step 50`), `backup notices: ${noticeTexts.join(' | ')}`);
    assert.strictEqual(code, 0, `the training process exited with ${code}; see the Training Backups log`);
    assert.strictEqual(session.finished?.reason, 'completed');
    assert.strictEqual(api.statusBar.item.text, `$(check) ${trained.name} · step 150`);

    const checkpoints = await folderRows(api, trained, 'checkpoint');
    assert.deepStrictEqual(checkpoints.map((row) => row.info.step), [150, 100, 50]);
    const backups = await folderRows(api, trained, 'backup');
    assert.deepStrictEqual(backups.map((row) => row.info.step), [150, 100, 50]);
    const item = api.tree.getTreeItem(backups[0]);
    assert.strictEqual(item.label, 'step 150');
    assert.strictEqual(item.contextValue, 'backup.ok');
    assert.match(String(item.description), /^loss \d+\.\d+ · .+ · [\d.]+ kB$/, 'loss first, then the age, then the size');
    assert.strictEqual(api.tree.getTreeItem(await runNode(api, trained)).contextValue, 'run.idle');
  });

  it('refuses a second run on one folder', async () => {
    const run = await createRun(api, 'busy', { maxSteps: 400 });
    created.push(run);
    const session = api.sessions.start(run, 'train');
    try {
      assert.throws(() => api.sessions.start(run, 'train'), /already training/);
      const result = await vscode.commands.executeCommand('trainingBackups.startTraining', await runNode(api, run));
      assert.strictEqual(result, undefined, 'startTraining started a second process on a busy run');
    } finally {
      api.sessions.stop(run);
      api.sessions.stop(run);
      await session.exited;
    }
  });

  it('stop saves a final checkpoint', async () => {
    const run = await createRun(api, 'stop', { maxSteps: 5000 });
    created.push(run);
    const session = api.sessions.start(run, 'train');
    const progress = await nextMessage(api, session, 'progress');
    assert.ok(progress.step < 5000);

    await vscode.commands.executeCommand('trainingBackups.stopTraining', await runNode(api, run));
    assert.strictEqual(session.state, 'stopping');
    const code = await session.exited;
    assert.strictEqual(code, 0, 'a graceful stop must exit with code 0');
    assert.strictEqual(session.finished?.reason, 'stopped');

    const finalStep = session.finished.step;
    assert.ok(finalStep > 0, `stopped at step ${finalStep}`);
    assert.ok(finalStep < 5000, `ran to the end (step ${finalStep}) despite the stop request`);
    const checkpoints = await folderRows(api, run, 'checkpoint');
    assert.strictEqual(checkpoints[0]?.info.step, finalStep, 'no checkpoint at the step where training stopped');
    assert.strictEqual(checkpoints[0].state, 'ok');
  });

  it('restore continues after the backup step', async () => {
    assert.ok(trained, 'needs the run of the first test');
    const backup = (await folderRows(api, trained, 'backup')).find((row) => row.info.step === 100);
    assert.ok(backup, 'the first run has no backup at step 100');

    const run = await createRun(api, 'restore');
    created.push(run);
    const session = api.sessions.start(run, 'restore', backup.info.path);
    const started = nextMessage(api, session, 'started');
    const progress = await nextMessage(api, session, 'progress');
    assert.strictEqual((await started).startStep, 100);
    assert.strictEqual((await started).resumedFrom?.kind, 'backup');
    assert.strictEqual(progress.step, 101, 'the first step after restoring backup step 100 must be 101');
    assert.match(api.statusBar.item.text, /^\$\(sync~spin\) .* · step 10\d\/150 · loss \d/);
    assert.strictEqual(await session.exited, 0);
    assert.ok(fs.existsSync(backup.info.path), 'restoring must leave the backup in place');
  });

  it('restore in place supersedes later folders', async () => {
    assert.ok(trained, 'needs the run of the first test');
    const run = await createRun(api, 'supersede');
    created.push(run);
    fs.cpSync(trained.outputDir, run.outputDir, { recursive: true });
    fs.cpSync(trained.backupDir, run.backupDir, { recursive: true });
    const oldManifest = fs.readFileSync(path.join(run.outputDir, 'checkpoint-150', 'manifest.json'));

    const session = api.sessions.start(run, 'restore', path.join(run.backupDir, 'model_backup_step-100'));
    const warning = await nextMessage(api, session, 'warning');
    assert.strictEqual(await session.exited, 0);

    assert.match(warning.message, /^Training restarts from step 100, so the folders of later steps were moved aside, not deleted: /);
    assert.strictEqual(session.finished?.step, 150);
    assert.strictEqual(session.finished?.failedSaves, 0);
    assert.strictEqual(session.failure, undefined);
    assert.strictEqual(api.statusBar.item.text, `$(check) ${run.name} · step 150`);
    const aside = fs.readdirSync(run.outputDir).filter((name) => name.startsWith('superseded-'));
    assert.strictEqual(aside.length, 1);
    assert.ok(fs.readFileSync(path.join(run.outputDir, aside[0], 'checkpoint-150', 'manifest.json')).equals(oldManifest), 'the moved checkpoint changed');
    const checkpoints = await folderRows(api, run, 'checkpoint');
    assert.deepStrictEqual(checkpoints.map((row) => row.info.step), [150, 100, 50]);
    assert.strictEqual(checkpoints[0].info.complete, true);

    const children = await api.tree.getChildren(await runNode(api, run));
    const superseded = children.find((node) => node.type === 'superseded');
    assert.ok(superseded, 'the run has no Superseded node after a restore moved folders aside');
    assert.strictEqual(api.tree.getTreeItem(superseded).collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    const dirs = await api.tree.getChildren(superseded);
    assert.strictEqual(dirs.length, 2, 'one superseded-* folder beside the checkpoints and one beside the backups');
    const descriptions = dirs.map((dir) => String(api.tree.getTreeItem(dir).description)).sort();
    assert.deepStrictEqual(descriptions, ['0 checkpoint(s), 1 backup(s)', '1 checkpoint(s), 0 backup(s)']);

    const movedRows = (await Promise.all(dirs.map((dir) => api.tree.getChildren(dir)))).flat();
    assert.deepStrictEqual(movedRows.map((row) => row.type === 'folder' && row.info.name).sort(), ['checkpoint-150', 'model_backup_step-150']);
    for (const row of movedRows) {
      assert.match(String(api.tree.getTreeItem(row).contextValue), /\.readonly$/, 'superseded rows must be read-only');
      assert.strictEqual(api.tree.getParent(row)?.type, 'supersededDir');
    }
  });

  it('run without restarts has no Superseded node', async () => {
    assert.ok(trained, 'needs the run of the first test');
    const children = await api.tree.getChildren(await runNode(api, trained));
    assert.deepStrictEqual(children.map((node) => node.type), ['group', 'group']);
  });

  it('bad training.json names its problems', async () => {
    const run = await createRun(api, 'broken', { maxSteps: -1, unknownField: 1 });
    created.push(run);
    const session = api.sessions.start(run, 'train');
    await session.exited;

    const failure = parseConfigFailure(session.failure ?? '');
    assert.ok(failure, `the failure is not read as a training.json failure: ${session.failure}`);
    assert.strictEqual(failure.configPath, run.configPath);
    assert.strictEqual(failure.problems.length, 2, `expected one problem per bad field: ${failure.problems.join(' | ')}`);
    assert.strictEqual(api.statusBar.item.text, `$(error) ${run.name} failed`);
  });

  it('restart resumes from a checkpoint', async () => {
    assert.ok(trained, 'needs the run of the first test');
    const session = (await vscode.commands.executeCommand('trainingBackups.restartTraining', await runNode(api, trained))) as TrainingSession | undefined;
    assert.ok(session, 'restartTraining returned no session');
    assert.strictEqual(session.launch.mode, 'resume', 'restarting a run that has checkpoints must resume it');
    const started = await nextMessage(api, session, 'started');
    assert.strictEqual(started.resumedFrom?.kind, 'checkpoint');
    assert.strictEqual(started.startStep, 150);
    assert.strictEqual(await session.exited, 0);
  });

  it('chart opens for a run', async () => {
    assert.ok(trained, 'needs the run of the first test');
    await vscode.commands.executeCommand('trainingBackups.openLossChart', await runNode(api, trained));
    assert.strictEqual(api.chart.shownRun?.id, trained.id);
  });

  it('demo starts and stops gracefully', async () => {
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(root, 'the test editor has no workspace folder');
    const session = (await vscode.commands.executeCommand('trainingBackups.startDemo')) as TrainingSession | undefined;
    assert.ok(session, 'startDemo returned no session');
    const configPath = session.run.configPath!;
    assert.ok(fs.existsSync(configPath), `startDemo did not create ${configPath}`);
    assert.ok(configPath.startsWith(root), `the demo config ${configPath} is outside the workspace ${root}`);
    await nextMessage(api, session, 'progress');

    api.sessions.stop(session.run);
    assert.strictEqual(await session.exited, 0);
    assert.strictEqual(session.finished?.reason, 'stopped');
    const checkpoints = await folderRows(api, session.run, 'checkpoint');
    assert.strictEqual(checkpoints[0]?.info.step, session.finished.step);
  });

  it('verify marks a flipped byte corrupt', async () => {
    assert.ok(trained, 'needs the run of the first test');
    const backup = (await folderRows(api, trained, 'backup')).find((row) => row.info.step === 50);
    assert.ok(backup, 'the first run has no backup at step 50');
    const weights = path.join(backup.info.path, 'weights.bin');
    const bytes = fs.readFileSync(weights);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    fs.writeFileSync(weights, bytes);

    await vscode.commands.executeCommand('trainingBackups.verify', backup);
    const rows = await folderRows(api, trained, 'backup');
    const corrupted = rows.find((row) => row.info.step === 50);
    assert.strictEqual(corrupted?.state, 'corrupt');
    assert.match(String(api.tree.getTreeItem(corrupted).contextValue), /^backup\.corrupt/);
    const intact = rows.find((row) => row.info.step === 100);
    assert.strictEqual(intact?.state, 'ok', 'verifying one folder must not change the others');
    assert.strictEqual(intact.verified, false);
    assert.strictEqual((api.tree.getTreeItem(intact).iconPath as vscode.ThemeIcon).id, 'pass', 'a complete but unverified row has the outlined check');

    // A new tree with the same workspaceState store simulates a window reload.
    const reloaded = new RunsTreeProvider({ runs: () => api.registry.runs, isTraining: () => false, progressText: () => undefined }, api.log, api.verifications);
    const reloadedRows = await reloaded.folderNodes(trained, 'backup');
    assert.strictEqual(reloadedRows.find((row) => row.info.step === 50)?.state, 'corrupt', 'the corrupt mark must survive a reload');
    reloaded.dispose();
  });

  it('verify ok fills the check', async () => {
    assert.ok(trained, 'needs the run of the first test');
    const backup = (await folderRows(api, trained, 'backup')).find((row) => row.info.step === 100);
    assert.ok(backup, 'the first run has no backup at step 100');

    await vscode.commands.executeCommand('trainingBackups.verify', backup);
    const verified = (await folderRows(api, trained, 'backup')).find((row) => row.info.step === 100);
    assert.strictEqual(verified?.state, 'ok');
    assert.strictEqual(verified.verified, true);
    assert.strictEqual((api.tree.getTreeItem(verified).iconPath as vscode.ThemeIcon).id, 'pass-filled');
  });
});
