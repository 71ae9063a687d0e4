// Shared pieces of the reliability suite: seeded randomness, trial bookkeeping, folder snapshots and
// the summary table that `npm run test:reliability` prints.
import { createHash } from 'node:crypto';
import * as fs from 'fs-extra';
import * as path from 'node:path';

/** Trial counts for one profile of the suite. */
export interface Counts {
  coreKills: number;
  trainerKills: number;
  corruptions: number;
  diskFull: number;
  locks: number;
}

export const PROFILES: Record<'ci' | 'soak', Counts> = {
  ci: { coreKills: 40, trainerKills: 30, corruptions: 100, diskFull: 12, locks: 4 },
  soak: { coreKills: 200, trainerKills: 200, corruptions: 1000, diskFull: 60, locks: 20 },
};

export interface TrialFailure {
  trial: number;
  message: string;
}

/** One row of the summary table. */
export interface ScenarioResult {
  name: string;
  trials: number;
  survived: number;
  failures: TrialFailure[];
  /** Facts worth printing under the table, such as where the kills landed. */
  notes: string[];
  /** Set when a prerequisite (a built trainer, root for mounts) was missing, so nothing ran. */
  notRun?: string;
}

export interface ScenarioContext {
  rng: Rng;
  counts: Counts;
  /** A fresh folder that belongs to this scenario; removed after the run unless --keep is given. */
  workDir: string;
  repoRoot: string;
}

export interface Scenario {
  name: string;
  run(context: ScenarioContext): Promise<ScenarioResult[]>;
}

/** Thrown by a scenario when something it needs is missing; the runner reports it as "not run". */
export class MissingPrerequisiteError extends Error {}

/** Mulberry32: a small seeded generator, so a failing trial can be replayed with --seed. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Returns a random integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) {
      throw new Error('Rng.pick needs at least one item');
    }
    return items[this.int(0, items.length - 1)];
  }

  bytes(length: number): Buffer {
    const buffer = Buffer.alloc(length);
    for (let i = 0; i < length; i++) {
      buffer[i] = Math.floor(this.next() * 256);
    }
    return buffer;
  }
}

/** Runs `count` trials and records each thrown error as a failure of that trial. */
export async function runTrials(
  name: string,
  count: number,
  trial: (index: number) => Promise<void>,
): Promise<ScenarioResult> {
  const result: ScenarioResult = { name, trials: 0, survived: 0, failures: [], notes: [] };
  for (let index = 0; index < count; index++) {
    result.trials++;
    try {
      await trial(index);
      result.survived++;
    } catch (error) {
      result.failures.push({ trial: index, message: error instanceof Error ? error.message : String(error) });
    }
  }
  return result;
}

export interface FileSnapshot {
  size: number;
  sha256: string;
}

/** Hashes every file under `root`, keyed by path relative to `root`; symbolic links are recorded, not followed. */
export async function snapshotTree(root: string): Promise<Map<string, FileSnapshot>> {
  const snapshot = new Map<string, FileSnapshot>();

  async function walk(dir: string): Promise<void> {
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const relative = path.relative(root, full);
      if (entry.isSymbolicLink()) {
        snapshot.set(relative, { size: 0, sha256: `symlink:${await fs.readlink(full)}` });
      } else if (entry.isDirectory()) {
        snapshot.set(relative + path.sep, { size: 0, sha256: 'dir' });
        await walk(full);
      } else {
        const data = await fs.readFile(full);
        snapshot.set(relative, { size: data.length, sha256: createHash('sha256').update(data).digest('hex') });
      }
    }
  }

  await walk(root);
  return snapshot;
}

/** Lists files that were removed or changed between two snapshots (new files are allowed). */
export function lostOrChanged(before: Map<string, FileSnapshot>, after: Map<string, FileSnapshot>): string[] {
  const problems: string[] = [];
  for (const [name, old] of before) {
    const now = after.get(name);
    if (!now) {
      problems.push(`removed: ${name}`);
    } else if (now.sha256 !== old.sha256) {
      problems.push(`changed: ${name}`);
    }
  }
  return problems;
}

/** Throws with `message` and the actual value when `condition` is false. */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) {
    throw new Error(message);
  }
}

/** Prints the summary table and the failures under it. */
export function printTable(results: ScenarioResult[], write: (line: string) => void): void {
  const header = ['scenario', 'trials', 'survived', 'failed'];
  const rows = results.map((r) => [
    r.name,
    r.notRun ? '-' : String(r.trials),
    r.notRun ? '-' : String(r.survived),
    r.notRun ? 'not run' : String(r.failures.length),
  ]);
  const widths = header.map((h, column) => Math.max(h.length, ...rows.map((row) => row[column].length)));
  const format = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ');
  write(format(header));
  write(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) {
    write(format(row));
  }
  for (const r of results) {
    if (r.notRun) {
      write(`\n${r.name}: not run: ${r.notRun}`);
    }
    for (const note of r.notes) {
      write(`\n${r.name}: ${note}`);
    }
    for (const failure of r.failures.slice(0, 10)) {
      write(`\n${r.name} trial ${failure.trial} FAILED: ${failure.message}`);
    }
    if (r.failures.length > 10) {
      write(`\n${r.name}: ${r.failures.length - 10} more failures not shown`);
    }
  }
}
