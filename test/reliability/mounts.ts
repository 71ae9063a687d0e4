// Mount helpers for the disk-full and read-only cases. They need root (CAP_SYS_ADMIN). Without it they throw
// MissingPrerequisiteError, which the runner reports as "not run" when a scenario throws it before its trials
// and as a failed trial when a trial throws it.
import { execFileSync } from 'node:child_process';
import * as fs from 'fs-extra';
import { MissingPrerequisiteError } from './harness';

function mountCommand(args: string[]): void {
  try {
    execFileSync('mount', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new MissingPrerequisiteError(`"mount ${args.join(' ')}" failed (${stderr || String(error)}); run the suite as root`);
  }
}

/** Mounts a tmpfs of `sizeBytes` at `dir`; strictatime, so any read of a file there updates its atime. */
export async function mountTmpfs(dir: string, sizeBytes: number): Promise<void> {
  await fs.ensureDir(dir);
  mountCommand(['-t', 'tmpfs', '-o', `size=${sizeBytes},strictatime`, 'tmpfs', dir]);
}

/** Makes `target` a read-only view of `source`. */
export async function mountReadOnlyBind(source: string, target: string): Promise<void> {
  await fs.ensureDir(target);
  mountCommand(['--bind', source, target]);
  mountCommand(['-o', 'remount,bind,ro', target]);
}

export function unmount(dir: string): void {
  execFileSync('umount', [dir], { stdio: 'ignore' });
}

export async function freeBytes(dir: string): Promise<number> {
  const stats = await fs.promises.statfs(dir);
  return stats.bavail * stats.bsize;
}
