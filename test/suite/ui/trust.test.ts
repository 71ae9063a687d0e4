// The trust guard, driven through the API: training is refused while the workspace is not trusted.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { TrainingBackupsApi } from '../../../src/extension';
import type { Run } from '../../../src/ui/runConfig';
import { createRun, getApi, removeRun, runNode } from './helpers';

describe('Trust guard', () => {
  let api: TrainingBackupsApi;
  let run: Run | undefined;
  let trustCheck: () => boolean;

  before(async () => {
    api = await getApi();
    trustCheck = api.sessions.isTrusted;
    run = await createRun(api, 'trust');
  });

  afterEach(() => {
    api.sessions.isTrusted = trustCheck;
  });

  after(() => removeRun(run));

  it('refuses to start when untrusted', async () => {
    api.sessions.isTrusted = () => false;
    assert.match(api.sessions.whyNotStart(run!) ?? '', /trusted workspace/);
    assert.throws(() => api.sessions.start(run!, 'train'), /trusted workspace/);

    const result = await vscode.commands.executeCommand('trainingBackups.startTraining', await runNode(api, run!));
    assert.strictEqual(result, undefined);
    assert.strictEqual(api.sessions.isTraining(run!), false, 'a process started in an untrusted workspace');
  });

  it('allows starting when trusted', () => {
    api.sessions.isTrusted = () => true;
    assert.strictEqual(api.sessions.whyNotStart(run!), undefined);
  });
});
