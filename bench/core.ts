// Benchmarks of the checkpoint store against standard tools on the same disk in the same run:
// commit vs `cp -r` + `sync`, verify vs `sha256sum`, and the time to list 10,000 folders.
// Each figure is the median of several runs. Ours and the baseline alternate, so that disk state affects both alike.
// `cp` (GNU coreutils 9.1) copies each file with copy_file_range inside the kernel and hashes nothing, and `sync`
// waits for every dirty page on the machine, so the baseline flushes at least the bytes that a commit fsyncs.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'fs-extra';
import { FileToWrite, commitFolder, folderName, listFolders, verifyFolder } from '../src/core';
import { BenchRow } from './row';

const RUNS = 7;
const FOLDER_MB = 200;
const LISTED_FOLDERS = 10_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function timeMs(work: () => Promise<unknown> | unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

// The machine is shared, so each row records the 1-minute load average before and after its runs.
function machine(loadBefore: number): string {
  const load = `load average ${loadBefore.toFixed(1)}-${os.loadavg()[0].toFixed(1)}`;
  return `${os.cpus().length} cores, ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.versions.node}, ${os.tmpdir()}, ${load}`;
}

/** Folder contents shaped like a checkpoint: large weights, smaller optimizer state and a few JSON files. */
function checkpointFiles(totalMb: number): FileToWrite[] {
  const weightsBytes = Math.round(totalMb * 0.8 * 1024 * 1024);
  const optimizerBytes = Math.round(totalMb * 0.2 * 1024 * 1024);
  return [
    { name: 'model.json', data: JSON.stringify({ format: 'layers-model', weightsManifest: [] }) },
    { name: 'weights.bin', data: randomBytes(weightsBytes) },
    { name: 'optimizer.bin', data: randomBytes(optimizerBytes) },
    { name: 'trainer_state.json', data: JSON.stringify({ global_step: 1, log_history: [{ step: 1, loss: 0.5 }] }) },
  ];
}

async function benchCommitAndVerify(root: string): Promise<BenchRow[]> {
  const files = checkpointFiles(FOLDER_MB);
  const bytes = files.reduce((sum, file) => sum + Buffer.byteLength(file.data), 0);
  const source = path.join(root, 'source');
  for (const file of files) await fs.outputFile(path.join(source, file.name), file.data);
  execFileSync('sync');

  const loadBefore = os.loadavg()[0];
  const copyMs: number[] = [];
  const commitMs: number[] = [];
  const sha256sumMs: number[] = [];
  const verifyMs: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const copyTarget = path.join(root, `copy-${run}`);
    const commitParent = path.join(root, `commit-${run}`);
    await fs.mkdirp(commitParent);
    let committed = '';
    const copy = async () => {
      copyMs.push(await timeMs(() => execFileSync('sh', ['-c', 'cp -r "$0" "$1" && sync', source, copyTarget])));
      execFileSync('sync');
    };
    const commit = async () => {
      commitMs.push(await timeMs(async () => { committed = await commitFolder(commitParent, 'checkpoint', run, files); }));
      execFileSync('sync');
    };
    // Odd runs measure ours first, so that neither side always meets the disk state the other left.
    for (const step of run % 2 ? [commit, copy] : [copy, commit]) await step();

    const names = files.map((file) => path.join(committed, file.name));
    const hashWithTool = async () => { sha256sumMs.push(await timeMs(() => execFileSync('sha256sum', names))); };
    const verify = async () => {
      verifyMs.push(await timeMs(async () => {
        const result = await verifyFolder(committed);
        if (result.state !== 'ok') throw new Error(`Benchmark folder failed to verify: ${JSON.stringify(result)}`);
      }));
    };
    for (const step of run % 2 ? [verify, hashWithTool] : [hashWithTool, verify]) await step();
    await fs.remove(copyTarget);
    await fs.remove(commitParent);
  }

  const megabytes = bytes / (1024 * 1024);
  const rate = (ms: number) => `${(megabytes / (ms / 1000)).toFixed(0)} MB/s`;
  const commitRatio = median(copyMs) / median(commitMs);
  const verifyRatio = median(sha256sumMs) / median(verifyMs);
  return [
    {
      what: `commit of a ${FOLDER_MB} MB checkpoint (fsync each file)`,
      baseline: `cp -r + sync: ${rate(median(copyMs))}`,
      ours: rate(median(commitMs)),
      value: Number(commitRatio.toFixed(2)),
      target: '≥ 0.8×',
      met: commitRatio >= 0.8,
      machine: machine(loadBefore),
    },
    {
      what: `verify of a ${FOLDER_MB} MB checkpoint (sha256, page cache warm)`,
      baseline: `sha256sum: ${rate(median(sha256sumMs))}`,
      ours: rate(median(verifyMs)),
      value: Number(verifyRatio.toFixed(2)),
      target: '≥ 0.8×',
      met: verifyRatio >= 0.8,
      machine: machine(loadBefore),
    },
  ];
}

// Creates folders with valid manifests directly (no fsync), because committing 10,000 folders would take minutes.
async function makeManyFolders(parentDir: string, count: number): Promise<void> {
  const template = await fs.readJson(path.join(await commitFolder(parentDir, 'backup', 0, [
    { name: 'weights.bin', data: Buffer.alloc(1024) },
    { name: 'backup_state.json', data: JSON.stringify({ step: 0, epoch: 0, loss: 1 }) },
  ]), 'manifest.json'));
  for (let step = 1; step < count; step++) {
    const dir = path.join(parentDir, folderName('backup', step));
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ ...template, step }));
  }
}

async function benchListing(root: string): Promise<BenchRow> {
  const parentDir = path.join(root, 'many');
  await makeManyFolders(parentDir, LISTED_FOLDERS);
  const loadBefore = os.loadavg()[0];
  const listMs: number[] = [];
  for (let run = 0; run < RUNS + 2; run++) {
    listMs.push(await timeMs(async () => {
      const listed = await listFolders(parentDir, 'backup');
      if (listed.length !== LISTED_FOLDERS || !listed.every((info) => info.complete)) {
        throw new Error(`Listing returned ${listed.length} folders, expected ${LISTED_FOLDERS} complete ones.`);
      }
    }));
  }
  const ms = median(listMs);
  return {
    what: `list ${LISTED_FOLDERS.toLocaleString('en')} backup folders (manifests read, no hashing)`,
    baseline: '—',
    ours: `${ms.toFixed(0)} ms`,
    value: Number(ms.toFixed(0)),
    target: '≤ 150 ms',
    met: ms <= 150,
    machine: machine(loadBefore),
  };
}

/** Runs the checkpoint store benchmarks in a temporary folder, which it removes afterwards. */
export async function measure(): Promise<BenchRow[]> {
  const root = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'core-bench-'));
  try {
    const rows = await benchCommitAndVerify(root);
    rows.push(await benchListing(root));
    return rows;
  } finally {
    await fs.remove(root);
  }
}
