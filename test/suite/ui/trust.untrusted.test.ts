// Runs in a workspace that is really untrusted (the harness's --untrusted variant).
import * as assert from 'assert';
import * as vscode from 'vscode';
import { createRun, getApi, removeRun, runNode } from './helpers';

describe('Untrusted workspace', () => {
  it('is not trusted', () => {
    assert.strictEqual(vscode.workspace.isTrusted, false, 'the harness opened a trusted workspace for the untrusted suite');
  });

  it('refuses to start training', async () => {
    const api = await getApi();
    const run = await createRun(api, 'untrusted');
    try {
      assert.match(api.sessions.whyNotStart(run) ?? '', /trusted workspace/);
      const result = await vscode.commands.executeCommand('trainingBackups.startTraining', await runNode(api, run));
      assert.strictEqual(result, undefined);
      assert.strictEqual(api.sessions.isTraining(run), false);
    } finally {
      removeRun(run);
    }
  });

  it('refuses the demo', async () => {
    const api = await getApi();
    const before = api.sessions.active().length;
    await vscode.commands.executeCommand('trainingBackups.startDemo');
    assert.strictEqual(api.sessions.active().length, before);
  });
});
