// Corruption, core level: flip a byte in, truncate, extend or delete a random file of a random saved folder,
// then check that verifyFolder reports it, names the file, and that latestValid passes over the folder.
import * as fs from 'fs-extra';
import * as path from 'node:path';
import { commitFolder, FolderKind, latestValid, verifyFolder } from '../../../src/core';
import { check, Rng, runTrials, Scenario, ScenarioContext, ScenarioResult } from '../harness';

const FOLDERS_PER_KIND = 4;
const MUTATIONS = ['flip a byte', 'truncate', 'append a byte', 'delete'] as const;
type Mutation = (typeof MUTATIONS)[number];

/** Applies the mutation and returns a short description of it, with the changed text for JSON files. */
async function mutate(rng: Rng, file: string, mutation: Mutation): Promise<string> {
  const data = await fs.readFile(file);
  if (mutation === 'flip a byte' && data.length > 0) {
    const offset = rng.int(0, data.length - 1);
    const before = data.subarray(Math.max(0, offset - 20), offset + 20).toString('latin1');
    data[offset] ^= rng.int(1, 255);
    await fs.writeFile(file, data);
    const after = data.subarray(Math.max(0, offset - 20), offset + 20).toString('latin1');
    return file.endsWith('.json') ? `flipped byte ${offset}: ${JSON.stringify(before)} became ${JSON.stringify(after)}` : `flipped byte ${offset}`;
  }
  if (mutation === 'truncate' && data.length > 0) {
    const length = rng.int(0, data.length - 1);
    await fs.truncate(file, length);
    return `truncated to ${length} of ${data.length} bytes`;
  }
  if (mutation === 'delete') {
    await fs.remove(file);
    return 'deleted';
  }
  await fs.appendFile(file, Buffer.from([rng.int(0, 255)]));
  return 'appended a byte';
}

async function createFolders(rng: Rng, parentDir: string, kind: FolderKind): Promise<void> {
  for (let step = 1; step <= FOLDERS_PER_KIND; step++) {
    const files = [
      { name: 'model.json', data: JSON.stringify({ step }) },
      { name: 'weights.bin', data: rng.bytes(rng.int(1, 48 * 1024)) },
      { name: kind === 'checkpoint' ? 'trainer_state.json' : 'backup_state.json', data: JSON.stringify({ global_step: step, step }) },
    ];
    if (kind === 'checkpoint') {
      files.push({ name: 'optimizer.bin', data: rng.bytes(rng.int(1, 16 * 1024)) });
    }
    await commitFolder(parentDir, kind, step * 10, files);
  }
}

export const corruptionScenario: Scenario = {
  name: 'corrupt saved files',
  async run(context: ScenarioContext): Promise<ScenarioResult[]> {
    const { rng } = context;
    const live = { checkpoint: path.join(context.workDir, 'output'), backup: path.join(context.workDir, 'backups') };
    const pristine = path.join(context.workDir, 'pristine');
    await createFolders(rng, live.checkpoint, 'checkpoint');
    await createFolders(rng, live.backup, 'backup');
    await fs.copy(live.checkpoint, path.join(pristine, 'output'));
    await fs.copy(live.backup, path.join(pristine, 'backups'));
    const perMutation = new Map<Mutation, number>();

    const result = await runTrials('corrupt saved files', context.counts.corruptions, async () => {
      const kind = rng.pick<FolderKind>(['checkpoint', 'backup']);
      const step = rng.int(1, FOLDERS_PER_KIND) * 10;
      const folder = path.join(live[kind], kind === 'checkpoint' ? `checkpoint-${step}` : `model_backup_step-${step}`);
      const fileName = rng.pick(await fs.readdir(folder));
      const mutation = rng.pick(MUTATIONS);
      perMutation.set(mutation, (perMutation.get(mutation) ?? 0) + 1);

      try {
        const change = await mutate(rng, path.join(folder, fileName), mutation);
        const verification = await verifyFolder(folder);
        const description = `${path.basename(folder)}/${fileName} ${change}`;
        check(verification.state !== 'ok', `verifyFolder found nothing wrong after: ${description}`);
        if (fileName !== 'manifest.json') {
          const named = verification.state === 'corrupt' ? verification.file : verification.reason;
          check(named.includes(fileName), `verifyFolder did not name ${fileName} after ${description}: ${JSON.stringify(verification)}`);
        }

        const newest = await latestValid(live[kind], kind);
        const expected = step === FOLDERS_PER_KIND * 10 ? step - 10 : FOLDERS_PER_KIND * 10;
        check(newest?.step === expected, `latestValid returned step ${newest?.step} after ${description}, expected ${expected}`);
      } finally {
        await fs.remove(folder);
        await fs.copy(path.join(pristine, path.relative(context.workDir, folder)), folder);
      }
    });

    result.notes.push(`mutations: ${[...perMutation].map(([name, count]) => `${name} ${count}`).join(', ')}`);
    return [result];
  },
};
