// Disk full, core level. The output and backup folders live on a small tmpfs that the test mounts. Each
// trial commits a folder whose size is drawn around the free space, so the failure lands in a data file,
// in manifest.json or not at all. A failed commit must leave every earlier folder intact, and its error
// must name the folder and say "no space left".
import * as fs from 'fs-extra';
import * as path from 'node:path';
import { cleanStaleTemp, commitFolder, deleteFolder, folderName, FolderKind, listFolders, verifyFolder } from '../../../src/core';
import { check, lostOrChanged, runTrials, Scenario, ScenarioContext, ScenarioResult, snapshotTree } from '../harness';
import { freeBytes, mountTmpfs, unmount } from '../mounts';

const TMPFS_BYTES = 4 * 1024 * 1024;
const EARLIER_FOLDERS = 2;

export const diskFullScenario: Scenario = {
  name: 'disk full',
  async run(context: ScenarioContext): Promise<ScenarioResult[]> {
    const { rng } = context;
    const mountPoint = path.join(context.workDir, 'small disk');
    await mountTmpfs(mountPoint, TMPFS_BYTES);
    const outcomes = { failed: 0, fitted: 0 };

    try {
      const parents: Record<FolderKind, string> = { checkpoint: path.join(mountPoint, 'output'), backup: path.join(mountPoint, 'backups') };
      for (const kind of ['checkpoint', 'backup'] as const) {
        for (let step = 1; step <= EARLIER_FOLDERS; step++) {
          await commitFolder(parents[kind], kind, step, [{ name: 'weights.bin', data: rng.bytes(256 * 1024) }, { name: 'model.json', data: '{}' }]);
        }
      }
      const before = await snapshotTree(mountPoint);
      const baselineFree = await freeBytes(mountPoint);

      const result = await runTrials('disk full', context.counts.diskFull, async (trial) => {
        const kind = trial % 2 === 0 ? 'checkpoint' : 'backup';
        const step = 100 + trial;
        const total = Math.max(1, baselineFree + rng.int(-96 * 1024, 512 * 1024));
        const first = rng.int(0, total);
        const files = [
          { name: 'weights.bin', data: rng.bytes(first) },
          { name: 'optimizer.bin', data: rng.bytes(total - first) },
          { name: 'trainer_state.json', data: JSON.stringify({ global_step: step }) },
        ];

        let failure: unknown;
        try {
          const committed = await commitFolder(parents[kind], kind, step, files);
          outcomes.fitted++;
          check((await verifyFolder(committed)).state === 'ok', `${committed} was committed but does not verify`);
          await deleteFolder(committed);
        } catch (error) {
          failure = error;
        }

        if (failure !== undefined) {
          outcomes.failed++;
          const message = failure instanceof Error ? failure.message : String(failure);
          check(/no space left/i.test(message), `commit error does not say "no space left": ${message}`);
          check(
            message.includes(parents[kind]) || message.includes(folderName(kind, step)),
            `commit error names neither ${parents[kind]} nor ${folderName(kind, step)}: ${message}`,
          );
          const listed = (await listFolders(parents[kind], kind)).map((folder) => folder.name);
          check(!listed.includes(folderName(kind, step)), `the failed ${folderName(kind, step)} is listed: ${listed.join(', ')}`);
        }

        await cleanStaleTemp(parents.checkpoint);
        await cleanStaleTemp(parents.backup);
        const lost = lostOrChanged(before, await snapshotTree(mountPoint));
        check(lost.length === 0, `earlier folders changed after a full disk: ${lost.join('; ')}`);
        for (const kind of ['checkpoint', 'backup'] as const) {
          for (const folder of await listFolders(parents[kind], kind)) {
            const verification = await verifyFolder(folder.path);
            check(verification.state === 'ok', `${folder.path} verifies as ${JSON.stringify(verification)} after a full disk`);
          }
        }
        const free = await freeBytes(mountPoint);
        check(free === baselineFree, `free space is ${free} bytes after cleanup, was ${baselineFree}: a failed commit leaks space`);
      });

      result.notes.push(`ran on a ${TMPFS_BYTES / 1024 / 1024} MiB tmpfs: ${outcomes.failed} commits failed for space, ${outcomes.fitted} fitted`);
      return [result];
    } finally {
      unmount(mountPoint);
    }
  },
};
