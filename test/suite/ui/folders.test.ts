// Folder rows without training: pin and unpin, the delete guard, and HuggingFace output listed read-only.
// The saved folders are written with the checkpoint store directly, so each test takes well under a second.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { commitFolder } from '../../../src/core';
import type { TrainingBackupsApi } from '../../../src/extension';
import type { Run } from '../../../src/ui/runConfig';
import { createRun, folderRows, getApi, removeRun } from './helpers';

/** Writes a weights-only backup at `step` into the run's backup folder. */
async function writeBackup(run: Run, step: number): Promise<string> {
  return commitFolder(run.backupDir, 'backup', step, [
    { name: 'model.json', data: JSON.stringify({ format: 'layers-model' }) },
    { name: 'weights.bin', data: new Uint8Array(1024).fill(step % 251) },
    { name: 'backup_state.json', data: JSON.stringify({ step, epoch: 0.5, loss: 0.25 }) },
  ]);
}

describe('Folder rows', () => {
  let api: TrainingBackupsApi;
  const created: Run[] = [];
  let huggingFaceDir: string | undefined;

  before(async () => {
    api = await getApi();
  });

  after(async () => {
    created.forEach(removeRun);
    await vscode.workspace.getConfiguration('trainingBackups').update('extraOutputFolders', undefined, vscode.ConfigurationTarget.Workspace);
    if (huggingFaceDir !== undefined) {
      fs.rmSync(huggingFaceDir, { recursive: true, force: true });
    }
  });

  it('pin and unpin a backup', async () => {
    const run = await createRun(api, 'pin');
    created.push(run);
    await writeBackup(run, 10);

    const [row] = await folderRows(api, run, 'backup');
    assert.strictEqual(api.tree.getTreeItem(row).contextValue, 'backup.ok');
    await vscode.commands.executeCommand('trainingBackups.pin', row);
    const [pinned] = await folderRows(api, run, 'backup');
    assert.strictEqual(pinned.info.pinned, true);
    assert.strictEqual(api.tree.getTreeItem(pinned).contextValue, 'backup.ok.pinned');

    await vscode.commands.executeCommand('trainingBackups.unpin', pinned);
    const [unpinned] = await folderRows(api, run, 'backup');
    assert.strictEqual(unpinned.info.pinned, false);
    assert.strictEqual(api.tree.getTreeItem(unpinned).contextValue, 'backup.ok');
  });

  it('delete keeps the last valid backup', async () => {
    const run = await createRun(api, 'delete');
    created.push(run);
    const only = await writeBackup(run, 20);

    const [row] = await folderRows(api, run, 'backup');
    await vscode.commands.executeCommand('trainingBackups.delete', row);
    assert.ok(fs.existsSync(only), 'the only valid backup was deleted');
    assert.strictEqual((await folderRows(api, run, 'backup')).length, 1);
  });

  it('redraws after a new backup', async () => {
    const run = await createRun(api, 'watch');
    created.push(run);
    fs.mkdirSync(run.backupDir, { recursive: true });
    // Let the file watcher of the new run start before the backup appears.
    await new Promise((resolve) => setTimeout(resolve, 1000));

    let redraws = 0;
    const listener = api.tree.onDidChangeTreeData(() => redraws++);
    try {
      await writeBackup(run, 30);
      const deadline = Date.now() + 10_000;
      while (redraws === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      listener.dispose();
    }
    assert.ok(redraws > 0, `no tree redraw within 10 s after a backup appeared in ${run.backupDir}`);
  });

  it('shows an invalid training.json', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-ui-invalid-'));
    const configPath = path.join(dir, 'training.json');
    fs.writeFileSync(configPath, '{\n  "recipe": "spam",\n  "outputDir": \n}\n');
    const run = await api.registry.open(configPath);
    created.push(run);

    assert.match(run.configError ?? '', /invalid JSON .* at line 4, column 1/);
    const item = api.tree.getTreeItem({ type: 'run', run });
    assert.strictEqual(item.description, 'invalid training.json');
    assert.match(api.sessions.whyNotStart(run) ?? '', /is invalid: invalid JSON/);
    const result = await vscode.commands.executeCommand('trainingBackups.startTraining', { type: 'run', run });
    assert.strictEqual(result, undefined);
    assert.strictEqual(api.sessions.isTraining(run), false);
  });

  it('lists HuggingFace output read-only', async () => {
    huggingFaceDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-ui-hf-'));
    const checkpoint = path.join(huggingFaceDir, 'checkpoint-500');
    fs.mkdirSync(checkpoint);
    fs.writeFileSync(path.join(checkpoint, 'model.safetensors'), Buffer.alloc(2048));
    fs.writeFileSync(path.join(checkpoint, 'trainer_state.json'), JSON.stringify({
      global_step: 500,
      epoch: 1.0,
      log_history: [{ step: 500, loss: 0.42, epoch: 1.0 }],
      best_model_checkpoint: 'hf-run/checkpoint-500',
    }));

    await vscode.workspace.getConfiguration('trainingBackups').update('extraOutputFolders', [huggingFaceDir], vscode.ConfigurationTarget.Workspace);
    await api.refresh.refresh('runs', 'manual');
    const run = api.registry.runs.find((candidate) => candidate.outputDir === huggingFaceDir);
    assert.ok(run, `the runs do not include ${huggingFaceDir} from trainingBackups.extraOutputFolders`);
    assert.strictEqual(run.source, 'huggingface');
    assert.match(api.sessions.whyNotStart(run) ?? '', /HuggingFace output folder/);

    const [row] = await folderRows(api, run, 'checkpoint');
    assert.ok(row, 'no row for checkpoint-500');
    assert.strictEqual(row.info.step, 500);
    assert.strictEqual(row.state, 'unverified');
    assert.strictEqual(row.best, true, 'best_model_checkpoint names this checkpoint');
    assert.strictEqual(api.tree.getTreeItem(row).contextValue, 'checkpoint.unverified.best.readonly');
    assert.match(String(api.tree.getTreeItem(row).description), /^loss 0\.420 · /);
  });
});
