// Entry of the training child process, forked by the extension with a ChildLaunch as JSON in argv[2].
// It sends ChildMessages over IPC and obeys ParentCommands. A stop, the first SIGTERM or the death of the
// parent (IPC disconnect) finishes the current step, saves a checkpoint and exits 0; a second SIGTERM exits at once.
import type { ChildLaunch, ChildMessage, ParentCommand } from '../protocol';
import { loadBundle, t } from './l10n';
import { messages } from './messages';
import { runSession } from './session';
import type { Trainer } from './trainer';

let trainer: Trainer | undefined;
let stopRequested = false;
let connected = true;

function send(message: ChildMessage): void {
  if (connected && process.send) {
    process.send(message);
  }
}

function requestStop(): void {
  if (stopRequested) {
    return;
  }
  stopRequested = true;
  trainer?.requestStop();
}

function parseLaunch(argument: string | undefined): ChildLaunch {
  if (!argument) {
    throw new Error('The training process needs a ChildLaunch as JSON in its first argument.');
  }
  const launch = JSON.parse(argument) as ChildLaunch;
  if (!['train', 'resume', 'restore'].includes(launch.mode) || typeof launch.configPath !== 'string') {
    throw new Error(`The launch argument is invalid: expected {"mode": "train" | "resume" | "restore", "configPath": "..."}, got ${argument}`);
  }
  return launch;
}

process.on('message', (command: ParentCommand) => {
  if (command?.type === 'stop') {
    requestStop();
  } else if (command?.type === 'saveNow') {
    trainer?.requestSave();
  }
});

process.on('SIGTERM', () => {
  if (stopRequested) {
    send({ type: 'log', level: 'warn', component: 'child', message: t(messages.stoppedAtOnce) });
    process.exit(143);
  }
  requestStop();
});

process.on('disconnect', () => {
  connected = false;
  requestStop();
});

/** Sends the last message and waits until it has left, so that exiting does not drop it. */
function sendAndWait(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!connected || !process.send) {
      resolve();
      return;
    }
    process.send(message, undefined, {}, () => resolve());
  });
}

async function main(): Promise<number> {
  let launch: ChildLaunch;
  try {
    launch = parseLaunch(process.argv[2]);
    loadBundle(launch.l10nBundle);
  } catch (error) {
    await sendAndWait({ type: 'error', message: (error as Error).message, fatal: true });
    return 2;
  }
  try {
    await runSession({
      mode: launch.mode,
      configPath: launch.configPath,
      from: launch.from,
      backend: launch.backend,
      configDefaults: launch.configDefaults,
      reporter: send,
      onTrainer: (created) => {
        trainer = created;
        if (stopRequested) {
          created.requestStop();
        }
      },
    });
    return 0;
  } catch (error) {
    await sendAndWait({ type: 'error', message: (error as Error).message, fatal: true });
    return 1;
  }
}

void main().then((code) => {
  // Exit once queued IPC messages have left; the timer forces the exit if a stray handle keeps the process alive.
  process.exitCode = code;
  if (connected) {
    process.disconnect?.();
  }
  setTimeout(() => process.exit(code), 2000).unref();
});
