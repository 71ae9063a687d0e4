// Forked by the lock scenario: takes the run lock on a folder and holds it until killed, or reports
// that the lock was refused and exits.
import { acquireLock, LockHeldError } from '../../../src/core';

export type LockHolderMessage =
  | { type: 'locked'; pid: number }
  | { type: 'refused'; holderPid: number; message: string }
  | { type: 'error'; message: string };

async function main(): Promise<void> {
  const [dir, owner] = process.argv.slice(2);
  try {
    await acquireLock(dir, owner);
    process.send?.({ type: 'locked', pid: process.pid } satisfies LockHolderMessage);
    setInterval(() => undefined, 60_000);
  } catch (error) {
    const message: LockHolderMessage =
      error instanceof LockHeldError
        ? { type: 'refused', holderPid: error.pid, message: error.message }
        : { type: 'error', message: error instanceof Error ? error.message : String(error) };
    process.send?.(message, () => process.exit(0));
  }
}

void main();
