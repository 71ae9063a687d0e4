// Benchmarks of the trainer on the spam demo: training speed on the wasm backend against the cpu backend, and
// the cost of saving (a checkpoint and a backup every 50 steps) against the same training with saving off.
// Only the training loop is timed, from onTrainBegin to onTrainEnd, which includes waiting for the last background
// save. Loading and tokenizing the corpus happens before that and costs the same in both variants.
// Variants alternate and each figure is a median, so machine load affects both alike.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runSession } from '../src/training/session';
import type { BenchRow } from './row';

const speedSteps = 100;
const saveOverheadSteps = 300;
const saveOverheadRuns = 3;
const saveSteps = 50;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Trains the demo in a fresh folder and returns the seconds spent in the training loop. */
async function timeTraining(root: string, name: string, overrides: Record<string, unknown>): Promise<number> {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  const configPath = path.join(dir, 'training.json');
  const config = { recipe: 'spam', outputDir: './output', backupDir: './backups', batchSize: 32, evalSteps: saveSteps, ...overrides };
  fs.writeFileSync(configPath, JSON.stringify(config));

  let begin = 0;
  let end = 0;
  await runSession({
    mode: 'train',
    configPath,
    reporter: () => undefined,
    callbacks: [{ onTrainBegin: () => void (begin = performance.now()), onTrainEnd: () => void (end = performance.now()) }],
  });
  fs.rmSync(dir, { recursive: true, force: true });
  return (end - begin) / 1000;
}

function machine(backend: string): string {
  return `${os.cpus().length} cores, ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${backend}`;
}

export async function measure(): Promise<BenchRow[]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-bench-training-'));
  try {
    const wasmSeconds = await timeTraining(root, 'wasm', { maxSteps: speedSteps, saveStrategy: 'no', backend: 'wasm' });
    const cpuSeconds = await timeTraining(root, 'cpu', { maxSteps: speedSteps, saveStrategy: 'no', backend: 'cpu' });
    const wasmRate = speedSteps / wasmSeconds;
    const cpuRate = speedSteps / cpuSeconds;

    const savingSeconds: number[] = [];
    const plainSeconds: number[] = [];
    for (let run = 0; run < saveOverheadRuns; run++) {
      const saving = { maxSteps: saveOverheadSteps, saveStrategy: 'steps', saveSteps, saveTotalLimit: 3, totalBackupLimit: 5, backend: 'wasm' };
      savingSeconds.push(await timeTraining(root, `saving-${run}`, saving));
      plainSeconds.push(await timeTraining(root, `plain-${run}`, { maxSteps: saveOverheadSteps, saveStrategy: 'no', backend: 'wasm' }));
    }
    const ratio = median(savingSeconds) / median(plainSeconds);

    return [
      {
        what: `spam demo training speed, ${speedSteps} steps of batch 32`,
        baseline: `cpu backend: ${cpuRate.toFixed(1)} steps/s`,
        ours: `wasm backend: ${wasmRate.toFixed(1)} steps/s`,
        value: Number((wasmRate / cpuRate).toFixed(2)),
        target: '≥ 1× (auto picks wasm over cpu)',
        met: wasmRate >= cpuRate,
        machine: machine('wasm vs cpu'),
      },
      {
        what: `spam demo, ${saveOverheadSteps} steps with a checkpoint + backup every ${saveSteps} steps`,
        baseline: `saving off: ${median(plainSeconds).toFixed(2)} s (median of ${saveOverheadRuns})`,
        ours: `saving on: ${median(savingSeconds).toFixed(2)} s (median of ${saveOverheadRuns})`,
        value: Number(ratio.toFixed(3)),
        target: '≤ 1.03×',
        met: ratio <= 1.03,
        machine: machine('wasm'),
      },
    ];
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
