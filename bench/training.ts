// Benchmarks of the trainer on the spam demo: training speed on the wasm backend against the cpu backend, and
// the cost of saving (a checkpoint and a backup every 50 steps) against the same training with saving off.
// Only the training loop is timed, from onTrainBegin to onTrainEnd, which includes waiting for the last background
// save. Loading and tokenizing the corpus happens before that and costs the same in both variants.
// Variants alternate and each figure is a median, so machine load affects both alike. The process's CPU time
// (all its threads, from process.cpuUsage) is reported too, because it varies less than wall time on a busy machine.
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

interface LoopTime {
  wallSeconds: number;
  cpuSeconds: number;
}

/** Trains the demo in a fresh folder and returns the wall and CPU seconds spent in the training loop. */
async function timeTraining(root: string, name: string, overrides: Record<string, unknown>): Promise<LoopTime> {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  const configPath = path.join(dir, 'training.json');
  const config = { recipe: 'spam', outputDir: './output', backupDir: './backups', batchSize: 32, evalSteps: saveSteps, ...overrides };
  fs.writeFileSync(configPath, JSON.stringify(config));

  let begin = 0;
  let end = 0;
  let cpuBegin: NodeJS.CpuUsage = { user: 0, system: 0 };
  let cpu: NodeJS.CpuUsage = { user: 0, system: 0 };
  const onTrainBegin = () => {
    begin = performance.now();
    cpuBegin = process.cpuUsage();
  };
  const onTrainEnd = () => {
    end = performance.now();
    cpu = process.cpuUsage(cpuBegin);
  };
  await runSession({ mode: 'train', configPath, reporter: () => undefined, callbacks: [{ onTrainBegin, onTrainEnd }] });
  fs.rmSync(dir, { recursive: true, force: true });
  return { wallSeconds: (end - begin) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

function machine(backend: string): string {
  return `${os.cpus().length} cores, ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${backend}`;
}

export async function measure(): Promise<BenchRow[]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-bench-training-'));
  try {
    const wasmSeconds = (await timeTraining(root, 'wasm', { maxSteps: speedSteps, saveStrategy: 'no', backend: 'wasm' })).wallSeconds;
    const cpuSeconds = (await timeTraining(root, 'cpu', { maxSteps: speedSteps, saveStrategy: 'no', backend: 'cpu' })).wallSeconds;
    const wasmRate = speedSteps / wasmSeconds;
    const cpuRate = speedSteps / cpuSeconds;

    const saving: LoopTime[] = [];
    const plain: LoopTime[] = [];
    for (let run = 0; run < saveOverheadRuns; run++) {
      const savingConfig = { maxSteps: saveOverheadSteps, saveStrategy: 'steps', saveSteps, saveTotalLimit: 3, totalBackupLimit: 5, backend: 'wasm' };
      saving.push(await timeTraining(root, `saving-${run}`, savingConfig));
      plain.push(await timeTraining(root, `plain-${run}`, { maxSteps: saveOverheadSteps, saveStrategy: 'no', backend: 'wasm' }));
    }
    const savingSeconds = median(saving.map((time) => time.wallSeconds));
    const plainSeconds = median(plain.map((time) => time.wallSeconds));
    const ratio = savingSeconds / plainSeconds;
    const savingCpu = median(saving.map((time) => time.cpuSeconds));
    const plainCpu = median(plain.map((time) => time.cpuSeconds));
    const cpuRatio = savingCpu / plainCpu;
    const load = os.loadavg()[0].toFixed(1);

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
        baseline: `saving off: ${plainSeconds.toFixed(2)} s wall (median of ${saveOverheadRuns})`,
        ours: `saving on: ${savingSeconds.toFixed(2)} s wall (median of ${saveOverheadRuns})`,
        value: Number(ratio.toFixed(3)),
        target: '≤ 1.03×',
        met: ratio <= 1.03,
        machine: `${machine('wasm')}, load average ${load}`,
      },
      {
        what: `spam demo, ${saveOverheadSteps} steps with a checkpoint + backup every ${saveSteps} steps, process CPU time`,
        baseline: `saving off: ${plainCpu.toFixed(2)} s CPU (median of ${saveOverheadRuns})`,
        ours: `saving on: ${savingCpu.toFixed(2)} s CPU (median of ${saveOverheadRuns})`,
        value: Number(cpuRatio.toFixed(3)),
        target: '≤ 1.03×',
        met: cpuRatio <= 1.03,
        machine: `${machine('wasm')}, load average ${load}`,
      },
    ];
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
