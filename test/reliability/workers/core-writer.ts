// Forked by the core kill scenario: commits checkpoints and backups and rotates them in an endless loop,
// the way the trainer does, until the parent SIGKILLs it. It reports each finished step over IPC.
import { cleanStaleTemp, commitFolder, FileToWrite, rotate } from '../../../src/core';
import { Rng } from '../harness';

export interface CoreWriterLaunch {
  outputDir: string;
  backupDir: string;
  startStep: number;
  keepNewest: number;
  seed: number;
}

export type CoreWriterMessage =
  | { type: 'ready' }
  | { type: 'committed'; kind: 'checkpoint' | 'backup'; step: number; path: string }
  | { type: 'rotated'; kind: 'checkpoint' | 'backup'; deleted: string[] };

function send(message: CoreWriterMessage): void {
  process.send?.(message);
}

function checkpointFiles(rng: Rng, step: number): FileToWrite[] {
  const state = { global_step: step, epoch: step / 10, max_steps: 1_000_000, log_history: [{ step, loss: 1 / step }] };
  return [
    { name: 'model.json', data: JSON.stringify({ format: 'layers-model', step }) },
    { name: 'weights.bin', data: rng.bytes(rng.int(64 * 1024, 768 * 1024)) },
    { name: 'optimizer.bin', data: rng.bytes(rng.int(16 * 1024, 256 * 1024)) },
    { name: 'trainer_state.json', data: JSON.stringify(state) },
  ];
}

function backupFiles(rng: Rng, step: number): FileToWrite[] {
  return [
    { name: 'model.json', data: JSON.stringify({ format: 'layers-model', step }) },
    { name: 'weights.bin', data: rng.bytes(rng.int(64 * 1024, 512 * 1024)) },
    { name: 'backup_state.json', data: JSON.stringify({ step, epoch: step / 10, loss: 1 / step }) },
  ];
}

async function main(): Promise<void> {
  const launch = JSON.parse(process.argv[2]) as CoreWriterLaunch;
  const rng = new Rng(launch.seed);

  await cleanStaleTemp(launch.outputDir);
  await cleanStaleTemp(launch.backupDir);
  send({ type: 'ready' });

  for (let step = launch.startStep; ; step++) {
    const checkpoint = await commitFolder(launch.outputDir, 'checkpoint', step, checkpointFiles(rng, step));
    send({ type: 'committed', kind: 'checkpoint', step, path: checkpoint });
    const backup = await commitFolder(launch.backupDir, 'backup', step, backupFiles(rng, step));
    send({ type: 'committed', kind: 'backup', step, path: backup });

    const protect = [checkpoint];
    send({ type: 'rotated', kind: 'checkpoint', deleted: await rotate(launch.outputDir, 'checkpoint', { keepNewest: launch.keepNewest, protect }) });
    send({ type: 'rotated', kind: 'backup', deleted: await rotate(launch.backupDir, 'backup', { keepNewest: launch.keepNewest }) });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
