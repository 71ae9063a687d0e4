// Two runs on one folder: the second is refused with the first one's process id, and after the first is
// SIGKILLed its stale lock is taken over.
import { ChildProcess, fork } from 'node:child_process';
import * as fs from 'fs-extra';
import * as path from 'node:path';
import { acquireLock, LockHeldError } from '../../../src/core';
import { check, runTrials, Scenario, ScenarioContext, ScenarioResult } from '../harness';
import type { LockHolderMessage } from '../workers/lock-holder';

const MESSAGE_TIMEOUT_MS = 15_000;

function startHolder(dir: string, owner: string): { child: ChildProcess; first: Promise<LockHolderMessage> } {
  const child = fork(path.join(__dirname, '..', 'workers', 'lock-holder.js'), [dir, owner], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const first = new Promise<LockHolderMessage>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`lock holder ${child.pid} sent nothing within ${MESSAGE_TIMEOUT_MS} ms`)), MESSAGE_TIMEOUT_MS);
    child.once('message', (message: LockHolderMessage) => {
      clearTimeout(timer);
      resolve(message);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`lock holder ${child.pid} exited with code ${code} before sending a message`));
    });
  });
  return { child, first };
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

export const lockScenario: Scenario = {
  name: 'two runs on one folder',
  async run(context: ScenarioContext): Promise<ScenarioResult[]> {
    const result = await runTrials('two runs on one folder', context.counts.locks, async (trial) => {
      const dir = path.join(context.workDir, `output ${trial}`);
      await fs.ensureDir(dir);
      const first = startHolder(dir, 'first run');
      const children = [first.child];
      try {
        const locked = await first.first;
        check(locked.type === 'locked', `first run could not take the lock: ${JSON.stringify(locked)}`);

        const second = startHolder(dir, 'second run');
        children.push(second.child);
        const refused = await second.first;
        check(refused.type === 'refused', `second run was not refused: ${JSON.stringify(refused)}`);
        check(refused.holderPid === first.child.pid, `LockHeldError.pid is ${refused.holderPid}, the first run is ${first.child.pid}`);
        check(refused.message.includes(String(first.child.pid)), `refusal message does not name process ${first.child.pid}: "${refused.message}"`);

        let inProcessError: unknown;
        try {
          await acquireLock(dir, 'third run');
        } catch (error) {
          inProcessError = error;
        }
        check(inProcessError instanceof LockHeldError, `acquireLock did not throw LockHeldError while process ${first.child.pid} holds the lock`);

        await killAndWait(first.child);
        const takenOver = await acquireLock(dir, 'after kill');
        await takenOver.release();
        const again = await acquireLock(dir, 'after release');
        await again.release();
      } finally {
        for (const child of children) {
          await killAndWait(child);
        }
      }
    });
    return [result];
  },
};
