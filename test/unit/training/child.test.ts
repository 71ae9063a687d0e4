import * as assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { latestValid } from '../../../src/core';
import type { ChildLaunch, ChildMessage, ParentCommand } from '../../../src/protocol';
import { makeTempDir, repoRoot, writeConfig } from './helpers';

const trainerEntry = path.join(repoRoot, 'dist/trainer.js');

interface ForkedRun {
  child: ChildProcess;
  messages: ChildMessage[];
  /** Resolves with the exit code (or the signal name) once the child has exited. */
  exited: Promise<number | string>;
  /** Resolves with the first message that matches `predicate`. */
  waitFor(predicate: (message: ChildMessage) => boolean): Promise<ChildMessage>;
}

/** Children still running when a test ends; afterEach kills them so no trainer outlives its test. */
const running = new Set<ChildProcess>();

function forkTrainer(launch: ChildLaunch): ForkedRun {
  const child = fork(trainerEntry, [JSON.stringify(launch)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const messages: ChildMessage[] = [];
  const waiters: Array<{ predicate: (message: ChildMessage) => boolean; resolve: (message: ChildMessage) => void }> = [];
  child.on('message', (message: ChildMessage) => {
    messages.push(message);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(message)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  });
  running.add(child);
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal ?? -1);
    }),
  );
  return {
    child,
    messages,
    exited,
    waitFor: (predicate) => new Promise((resolve) => waiters.push({ predicate, resolve })),
  };
}

describe('training child process', function () {
  this.timeout(60000);
  let dir: string;

  before(function () {
    assert.ok(fs.existsSync(trainerEntry), `${trainerEntry} is missing: run "npm run build" first`);
  });

  beforeEach(() => {
    dir = makeTempDir('child');
  });

  afterEach(() => {
    for (const child of running) {
      child.kill('SIGKILL');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sends protocol messages from started to finished', async () => {
    const configPath = writeConfig(dir, { maxSteps: 40, saveStrategy: 'steps', saveSteps: 20 });
    const run = forkTrainer({ mode: 'train', configPath });

    assert.equal(await run.exited, 0);
    const types = run.messages.map((message) => message.type);
    assert.equal(types.indexOf('started') >= 0, true, 'no started message');
    assert.equal(types[types.length - 1], 'finished');
    for (const type of ['progress', 'log', 'saved', 'evaluation'] as const) {
      assert.ok(types.includes(type), `no ${type} message`);
    }
    assert.ok(types.indexOf('started') < types.indexOf('progress'));
    const started = run.messages.find((message) => message.type === 'started') as Extract<ChildMessage, { type: 'started' }>;
    assert.equal(started.backend, 'cpu');
    assert.equal(started.totalSteps, 40);
    const saved = run.messages.filter((message) => message.type === 'saved') as Array<Extract<ChildMessage, { type: 'saved' }>>;
    assert.deepEqual(saved.map((message) => `${message.kind}-${message.step}`).sort(), ['backup-20', 'backup-40', 'checkpoint-20', 'checkpoint-40']);
    const finished = run.messages[run.messages.length - 1] as Extract<ChildMessage, { type: 'finished' }>;
    assert.equal(finished.reason, 'completed');
    assert.equal(finished.step, 40);
  });

  it('stop command saves and exits 0', async () => {
    const configPath = writeConfig(dir, { maxSteps: 1000000, saveStrategy: 'no' });
    const run = forkTrainer({ mode: 'train', configPath });
    await run.waitFor((message) => message.type === 'progress');
    run.child.send({ type: 'stop' } satisfies ParentCommand);

    assert.equal(await run.exited, 0);
    const finished = run.messages.find((message) => message.type === 'finished') as Extract<ChildMessage, { type: 'finished' }>;
    assert.equal(finished.reason, 'stopped');
    const newest = await latestValid(path.join(dir, 'output'), 'checkpoint');
    assert.equal(newest?.step, finished.step);
  });

  it('saveNow command saves a checkpoint', async () => {
    const configPath = writeConfig(dir, { maxSteps: 1000000, saveStrategy: 'no' });
    const run = forkTrainer({ mode: 'train', configPath });
    await run.waitFor((message) => message.type === 'progress');
    run.child.send({ type: 'saveNow' } satisfies ParentCommand);
    const saved = (await run.waitFor((message) => message.type === 'saved' && message.kind === 'checkpoint')) as Extract<ChildMessage, { type: 'saved' }>;
    run.child.send({ type: 'stop' } satisfies ParentCommand);

    assert.equal(await run.exited, 0);
    assert.ok(fs.existsSync(path.join(saved.path, 'optimizer.bin')));
    const finished = run.messages.find((message) => message.type === 'finished') as Extract<ChildMessage, { type: 'finished' }>;
    assert.ok(finished.step > saved.step, 'training did not go on after the requested save');
  });

  it('SIGTERM stops gracefully', async () => {
    const configPath = writeConfig(dir, { maxSteps: 1000000, saveStrategy: 'no' });
    const run = forkTrainer({ mode: 'train', configPath });
    await run.waitFor((message) => message.type === 'progress');
    run.child.kill('SIGTERM');

    assert.equal(await run.exited, 0);
    const finished = run.messages.find((message) => message.type === 'finished') as Extract<ChildMessage, { type: 'finished' }>;
    assert.equal(finished.reason, 'stopped');
    assert.equal((await latestValid(path.join(dir, 'output'), 'checkpoint'))?.step, finished.step);
  });

  it('parent disconnect stops and saves', async () => {
    const configPath = writeConfig(dir, { maxSteps: 1000000, saveStrategy: 'no' });
    const run = forkTrainer({ mode: 'train', configPath });
    await run.waitFor((message) => message.type === 'progress');
    run.child.disconnect();

    assert.equal(await run.exited, 0);
    const newest = await latestValid(path.join(dir, 'output'), 'checkpoint');
    assert.ok(newest, 'no checkpoint was saved after the parent disconnected');
  });

  it('resumes after SIGKILL from the newest complete checkpoint', async () => {
    const configPath = writeConfig(dir, { maxSteps: 1000000, saveStrategy: 'steps', saveSteps: 10, saveTotalLimit: 3 });
    const killed = forkTrainer({ mode: 'train', configPath });
    let checkpointsSaved = 0;
    await killed.waitFor((message) => message.type === 'saved' && message.kind === 'checkpoint' && ++checkpointsSaved === 3);
    killed.child.kill('SIGKILL');
    assert.equal(await killed.exited, 'SIGKILL');

    const newest = await latestValid(path.join(dir, 'output'), 'checkpoint');
    assert.ok(newest, 'no complete checkpoint survived the kill');
    const resumed = forkTrainer({ mode: 'resume', configPath });
    const started = (await resumed.waitFor((message) => message.type === 'started')) as Extract<ChildMessage, { type: 'started' }>;
    resumed.child.send({ type: 'stop' } satisfies ParentCommand);

    assert.equal(await resumed.exited, 0);
    assert.deepEqual(started.resumedFrom, { kind: 'checkpoint', step: newest.step, path: newest.path });
    assert.equal(started.startStep, newest.step);
    const fatal = resumed.messages.filter((message) => message.type === 'error');
    assert.deepEqual(fatal, []);
  });

  it('speaks the language of the l10n bundle', async () => {
    const configPath = writeConfig(dir, { maxSteps: 5 });
    const run = forkTrainer({ mode: 'train', configPath, l10nBundle: path.join(repoRoot, 'l10n/bundle.l10n.ru.json') });

    assert.equal(await run.exited, 0);
    const logs = run.messages.filter((message) => message.type === 'log') as Array<Extract<ChildMessage, { type: 'log' }>>;
    assert.ok(logs.some((log) => log.message === 'Обучение на бэкенде cpu.'), `no Russian backend line in ${JSON.stringify(logs)}`);
  });

  it('reports an invalid config as a fatal error', async () => {
    const configPath = writeConfig(dir, { batchSize: 0 });
    const run = forkTrainer({ mode: 'train', configPath });

    assert.equal(await run.exited, 1);
    const [error] = run.messages as Array<Extract<ChildMessage, { type: 'error' }>>;
    assert.equal(error.type, 'error');
    assert.equal(error.fatal, true);
    assert.match(error.message, /batchSize: 0 is invalid: expected a positive integer \(examples per step\)/);
  });

  it('reports an invalid config in Russian', async () => {
    const configPath = writeConfig(dir, { batchSize: 0 });
    const run = forkTrainer({ mode: 'train', configPath, l10nBundle: path.join(repoRoot, 'l10n/bundle.l10n.ru.json') });

    assert.equal(await run.exited, 1);
    const [error] = run.messages as Array<Extract<ChildMessage, { type: 'error' }>>;
    assert.equal(error.type, 'error');
    assert.equal(error.fatal, true);
    assert.match(error.message, /^Invalid training config .*training\.json:\n/);
    assert.match(error.message, /batchSize: недопустимое значение 0: ожидается положительное целое число \(примеров на шаг\)/);
  });
});
