// Shared helpers for the checkpoint store tests: temporary folders and small folder contents.

import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'fs-extra';
import { FileToWrite, FolderKind, commitFolder } from '../../../../src/core';

export async function makeTempDir(): Promise<string> {
  return fs.promises.mkdtemp(path.join(os.tmpdir(), 'core-test-'));
}

/** Small folder contents that differ by step, like a tiny model's weights. */
export function weightsFor(step: number, extra: Record<string, number> = {}): FileToWrite[] {
  const weights = Buffer.alloc(4096);
  weights.writeUInt32LE(step, 0);
  return [
    { name: 'model.json', data: JSON.stringify({ format: 'layers-model', step }) },
    { name: 'weights.bin', data: weights },
    { name: 'backup_state.json', data: JSON.stringify({ step, epoch: step / 100, loss: 1 / (step + 1), ...extra }) },
  ];
}

export async function commitSteps(parentDir: string, kind: FolderKind, steps: number[]): Promise<string[]> {
  const paths: string[] = [];
  for (const step of steps) {
    paths.push(await commitFolder(parentDir, kind, step, weightsFor(step)));
  }
  return paths;
}

/** Lists the names in a folder, sorted, to compare whole folder contents in one assert. */
export async function namesIn(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).sort();
}

export const FIXTURES = path.resolve(__dirname, '../../../../../test/fixtures');
