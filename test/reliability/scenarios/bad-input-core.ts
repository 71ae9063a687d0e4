// Bad input at the checkpoint store: foreign folder names, damaged or hostile manifests, unusual paths and
// folders that cannot be written. Each case gets a fresh run with two checkpoints and two backups. The
// runner snapshots it before and after, and only the paths that a case returns may disappear.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'fs-extra';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  acquireLock, cleanStaleTemp, commitFolder, deleteFolder, latestValid, listFolders, listRun, parseFolderName, readTrainerState, rotate, verifyFolder,
} from '../../../src/core';
import { check } from '../harness';
import { mountReadOnlyBind, unmount } from '../mounts';

export interface Fixture {
  root: string;
  outputDir: string;
  backupDir: string;
}

export interface CoreCase {
  name: string;
  /** Runs the case; returns paths (relative to the fixture root) that the case deleted on purpose. */
  run(fixture: Fixture): Promise<string[]>;
}

/** Runs `action` and checks that it rejects with exactly `expected`. */
export async function expectError(action: () => Promise<unknown>, expected: string): Promise<void> {
  let message: string | undefined;
  try {
    await action();
  } catch (error) {
    message = error instanceof Error ? error.message : String(error);
  }
  check(message !== undefined, `expected the error "${expected}", but the call succeeded`);
  check(message === expected, `wrong error message.\n      expected: ${expected}\n      actual:   ${message}`);
}

/** Runs `action` and checks that it rejects with a message that starts with `prefix`. */
export async function expectErrorStartingWith(action: () => Promise<unknown>, prefix: string): Promise<void> {
  let message: string | undefined;
  try {
    await action();
  } catch (error) {
    message = error instanceof Error ? error.message : String(error);
  }
  check(message !== undefined, `expected an error starting with "${prefix}", but the call succeeded`);
  check(message.startsWith(prefix), `wrong error message.\n      expected to start with: ${prefix}\n      actual: ${message}`);
}

async function listedNames(parentDir: string): Promise<string[]> {
  return (await listFolders(parentDir, 'checkpoint')).map((folder) => folder.name);
}

/** Sets a file's atime far in the past, so that any later read moves it (the test tmpfs uses strictatime). */
async function markUnread(file: string): Promise<number> {
  await fs.utimes(file, new Date(1_000_000), new Date());
  return (await fs.stat(file)).atimeMs;
}

async function writeManifest(dir: string, manifest: unknown): Promise<void> {
  await fs.ensureDir(dir);
  await fs.writeFile(path.join(dir, 'manifest.json'), typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
}

function hostileManifest(step: number, fileName: string): unknown {
  return {
    format: 1,
    kind: 'checkpoint',
    step,
    created: new Date().toISOString(),
    files: [{ name: fileName, size: 6, sha256: '0'.repeat(64) }],
  };
}

function foreignNameCase(name: string): CoreCase {
  return {
    name: `foreign folder name ${name.length > 20 ? name.slice(0, 20) + '…' : name}`,
    async run({ outputDir }) {
      const foreign = path.join(outputDir, name);
      await fs.outputFile(path.join(foreign, 'notes.txt'), 'user data');
      check(parseFolderName(name) === undefined, `parseFolderName("${name}") returned ${JSON.stringify(parseFolderName(name))}`);
      const listed = await listedNames(outputDir);
      check(!listed.includes(name), `listFolders lists ${name}`);
      const deleted = await rotate(outputDir, 'checkpoint', { keepNewest: 1 });
      check(!deleted.includes(foreign), `rotation deleted the foreign folder ${name}`);
      await expectError(
        () => deleteFolder(foreign),
        `Refusing to delete "${foreign}": only checkpoint-<step> and model_backup_step-<step> folders are deleted.`,
      );
      return deleted.map((deletedPath) => path.relative(path.dirname(outputDir), deletedPath));
    },
  };
}

function outsideFileCase(name: string, entryFor: (outside: string) => string): CoreCase {
  return {
    name,
    async run({ outputDir, root }) {
      const outside = path.join(root, 'outside.txt');
      await fs.writeFile(outside, 'secret');
      const folder = path.join(outputDir, 'checkpoint-3');
      await writeManifest(folder, hostileManifest(3, entryFor(outside)));
      const atimeBefore = await markUnread(outside);

      const verification = await verifyFolder(folder);
      check(verification.state !== 'ok', `verifyFolder accepted a manifest entry outside the folder: ${JSON.stringify(verification)}`);
      check(JSON.stringify(verification).includes(entryFor(outside)), `verifyFolder does not name the entry: ${JSON.stringify(verification)}`);
      check((await latestValid(outputDir, 'checkpoint'))?.name === 'checkpoint-2', 'latestValid did not pass over the hostile folder');
      await deleteFolder(folder);
      await rotate(outputDir, 'checkpoint', { keepNewest: 1 });

      const atimeAfter = (await fs.stat(outside)).atimeMs;
      check(atimeAfter === atimeBefore, `${outside} was read (atime moved from ${atimeBefore} to ${atimeAfter})`);
      check((await fs.readFile(outside, 'utf8')) === 'secret', `${outside} was changed`);
      return ['output/checkpoint-3', 'output/checkpoint-1'];
    },
  };
}

function keepEverythingCase(label: string, keepNewest: number | undefined): CoreCase {
  return {
    name: `rotation keepNewest ${label}`,
    async run({ outputDir }) {
      for (let step = 3; step <= 5; step++) {
        await commitFolder(outputDir, 'checkpoint', step, [{ name: 'weights.bin', data: `w${step}` }]);
      }
      const deleted = await rotate(outputDir, 'checkpoint', { keepNewest });
      check(deleted.length === 0, `keepNewest ${label} deleted ${deleted.join(', ')}`);
      check((await listedNames(outputDir)).length === 5, `keepNewest ${label} left ${(await listedNames(outputDir)).join(', ')}`);
      return [];
    },
  };
}

function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

export const coreCases: CoreCase[] = [
  foreignNameCase('checkpoint-abc'),
  foreignNameCase('checkpoint-007'),
  foreignNameCase('checkpoint-99999999999999999999'),
  {
    name: 'empty manifest.json',
    async run({ outputDir }) {
      const folder = path.join(outputDir, 'checkpoint-3');
      await fs.outputFile(path.join(folder, 'weights.bin'), 'weights');
      await writeManifest(folder, '');
      const verification = await verifyFolder(folder);
      check(
        JSON.stringify(verification) === JSON.stringify({ state: 'incomplete', reason: 'manifest.json is empty (the save was probably interrupted)' }),
        `verifyFolder returned ${JSON.stringify(verification)}`,
      );
      check((await latestValid(outputDir, 'checkpoint'))?.name === 'checkpoint-2', 'latestValid chose a folder with an empty manifest');
      const listed = (await listFolders(outputDir, 'checkpoint')).find((folderInfo) => folderInfo.name === 'checkpoint-3');
      check(listed === undefined || !listed.complete, 'listFolders calls a folder with an empty manifest complete');
      return [];
    },
  },
  outsideFileCase('manifest lists ../x', () => '../outside.txt'),
  outsideFileCase('manifest lists an absolute path', (outside) => outside),
  {
    name: 'symlink to outside in a folder',
    async run({ outputDir, root }) {
      const outsideDir = path.join(root, 'precious');
      await fs.outputFile(path.join(outsideDir, 'keep.txt'), 'keep me');
      const folder = path.join(outputDir, 'checkpoint-1');
      await fs.symlink(outsideDir, path.join(folder, 'link'));
      await deleteFolder(folder);
      check((await fs.readFile(path.join(outsideDir, 'keep.txt'), 'utf8')) === 'keep me', 'deleting a folder followed a symlink out of it');
      return ['output/checkpoint-1'];
    },
  },
  {
    name: 'file name with ..',
    async run({ outputDir, root }) {
      await expectError(
        () => commitFolder(outputDir, 'checkpoint', 3, [{ name: '../evil.bin', data: 'x' }]),
        `Invalid file to save: file name "../evil.bin" has an empty, '.' or '..' segment and could point outside its folder. Use a relative name inside the folder, e.g. "weights.bin".`,
      );
      check(!(await fs.pathExists(path.join(root, 'evil.bin'))), 'a file was written outside the folder');
      return [];
    },
  },
  {
    name: 'absolute file name',
    async run({ outputDir }) {
      await expectError(
        () => commitFolder(outputDir, 'checkpoint', 3, [{ name: '/tmp/evil.bin', data: 'x' }]),
        `Invalid file to save: file name "/tmp/evil.bin" is an absolute path. Use a relative name inside the folder, e.g. "weights.bin".`,
      );
      return [];
    },
  },
  {
    name: 'reserved file name',
    async run({ outputDir }) {
      await expectError(
        () => commitFolder(outputDir, 'checkpoint', 3, [{ name: 'manifest.json', data: '{}' }]),
        'Invalid file to save: "manifest.json" is reserved by the checkpoint store; rename the file.',
      );
      return [];
    },
  },
  {
    name: 'negative step',
    async run({ outputDir }) {
      await expectError(
        () => commitFolder(outputDir, 'checkpoint', -1, [{ name: 'weights.bin', data: 'x' }]),
        'Invalid step -1: a step must be an integer from 0 to 9007199254740991 (Number.MAX_SAFE_INTEGER).',
      );
      return [];
    },
  },
  {
    name: 'fractional step',
    async run({ outputDir }) {
      await expectError(
        () => commitFolder(outputDir, 'checkpoint', 1.5, [{ name: 'weights.bin', data: 'x' }]),
        'Invalid step 1.5: a step must be an integer from 0 to 9007199254740991 (Number.MAX_SAFE_INTEGER).',
      );
      return [];
    },
  },
  {
    name: 'same step, other content',
    async run({ outputDir }) {
      await expectError(
        () => commitFolder(outputDir, 'checkpoint', 2, [{ name: 'weights.bin', data: 'different' }]),
        `checkpoint-2 already exists in ${outputDir} with different content. The existing folder was kept and the new save was discarded; delete or rename the existing folder to save this step again.`,
      );
      return [];
    },
  },
  {
    name: 'spaces and non-ASCII in paths',
    async run({ root }) {
      const outputDir = path.join(root, 'мой запуск', 'выход с пробелами');
      const backupDir = path.join(root, 'мой запуск', 'résumé backups');
      for (let step = 1; step <= 3; step++) {
        await commitFolder(outputDir, 'checkpoint', step, [{ name: 'weights.bin', data: `w${step}` }]);
        await commitFolder(backupDir, 'backup', step, [{ name: 'weights.bin', data: `b${step}` }]);
      }
      for (const folder of await listFolders(outputDir, 'checkpoint')) {
        check((await verifyFolder(folder.path)).state === 'ok', `${folder.path} does not verify`);
      }
      check((await latestValid(backupDir, 'backup'))?.step === 3, 'latestValid missed the newest backup under a non-ASCII path');
      const deleted = await rotate(outputDir, 'checkpoint', { keepNewest: 2 });
      check(deleted.length === 1 && deleted[0] === path.join(outputDir, 'checkpoint-1'), `rotation deleted ${deleted.join(', ')}`);
      const listing = await listRun(outputDir, backupDir);
      check(listing.checkpoints.length === 2 && listing.backups.length === 3, `listRun returned ${listing.checkpoints.length} checkpoints and ${listing.backups.length} backups`);
      return [];
    },
  },
  {
    name: 'output path is a file',
    async run({ root }) {
      const file = path.join(root, 'not-a-folder');
      await fs.writeFile(file, 'plain file');
      await expectError(() => listFolders(file, 'checkpoint'), `ENOTDIR: not a directory, scandir '${file}'`);
      await expectErrorStartingWith(() => commitFolder(file, 'checkpoint', 3, [{ name: 'weights.bin', data: 'x' }]), `Failed to save checkpoint-3 in ${file}: `);
      check((await fs.readFile(file, 'utf8')) === 'plain file', 'the file was changed');
      return [];
    },
  },
  {
    name: 'symlink loop as output path',
    async run({ root }) {
      const loop = path.join(root, 'loop');
      await fs.symlink(path.join(root, 'loop-b'), loop);
      await fs.symlink(loop, path.join(root, 'loop-b'));
      await expectError(() => listFolders(loop, 'checkpoint'), `ELOOP: too many symbolic links encountered, scandir '${loop}'`);
      await expectErrorStartingWith(() => commitFolder(loop, 'checkpoint', 3, [{ name: 'weights.bin', data: 'x' }]), `Failed to save checkpoint-3 in ${loop}: `);
      return [];
    },
  },
  {
    name: 'read-only output folder',
    async run({ root, outputDir }) {
      const readOnly = path.join(root, 'read-only output');
      await mountReadOnlyBind(outputDir, readOnly);
      try {
        await expectErrorStartingWith(
          () => commitFolder(readOnly, 'checkpoint', 3, [{ name: 'weights.bin', data: 'x' }]),
          `Failed to save checkpoint-3 in ${readOnly}: EROFS: read-only file system, mkdir '${readOnly}/.tmp-checkpoint-3-`,
        );
        await expectErrorStartingWith(
          () => rotate(readOnly, 'checkpoint', { keepNewest: 1 }),
          `EROFS: read-only file system, rename '${readOnly}/checkpoint-1' -> '${readOnly}/.trash-checkpoint-1-`,
        );
        check((await listedNames(readOnly)).length === 2, 'a read-only folder lost checkpoints');
      } finally {
        unmount(readOnly);
      }
      return [];
    },
  },
  {
    name: 'immutable old checkpoint',
    async run({ outputDir }) {
      const old = path.join(outputDir, 'checkpoint-1');
      execFileSync('chattr', ['+i', old]);
      try {
        await expectErrorStartingWith(
          () => rotate(outputDir, 'checkpoint', { keepNewest: 1 }),
          `EPERM: operation not permitted, rename '${old}' -> '${outputDir}/.trash-checkpoint-1-`,
        );
        check((await listedNames(outputDir)).join(',') === 'checkpoint-1,checkpoint-2', `rotation left ${(await listedNames(outputDir)).join(', ')}`);
      } finally {
        execFileSync('chattr', ['-i', old]);
      }
      return [];
    },
  },
  {
    name: 'complete folder under .tmp- name',
    async run({ outputDir }) {
      const temp = path.join(outputDir, `.tmp-checkpoint-9-${deadPid()}-0badc0de`);
      await fs.copy(path.join(outputDir, 'checkpoint-2'), temp);
      check(!(await listedNames(outputDir)).some((name) => name.startsWith('.')), 'listFolders lists a .tmp- folder');
      check((await latestValid(outputDir, 'checkpoint'))?.name === 'checkpoint-2', 'latestValid chose a .tmp- folder');
      const removed = await cleanStaleTemp(outputDir);
      check(removed.length === 1 && removed[0] === temp, `cleanStaleTemp removed ${removed.join(', ')}`);
      return [];
    },
  },
  {
    name: 'file named like a checkpoint',
    async run({ outputDir }) {
      await fs.writeFile(path.join(outputDir, 'checkpoint-9'), 'not a folder');
      const listed = await listFolders(outputDir, 'checkpoint');
      check(listed.every((folder) => folder.name !== 'checkpoint-9' || !folder.complete), 'a plain file is listed as a complete checkpoint');
      check((await latestValid(outputDir, 'checkpoint'))?.name === 'checkpoint-2', 'latestValid chose a plain file');
      const deleted = await rotate(outputDir, 'checkpoint', { keepNewest: 1 });
      check(!deleted.includes(path.join(outputDir, 'checkpoint-9')), 'rotation deleted a plain file');
      return deleted.map((deletedPath) => path.relative(path.dirname(outputDir), deletedPath));
    },
  },
  {
    name: 'manifest copied from another step',
    async run({ outputDir }) {
      const copy = path.join(outputDir, 'checkpoint-7');
      await fs.copy(path.join(outputDir, 'checkpoint-2'), copy);
      const verification = await verifyFolder(copy);
      check(verification.state !== 'ok', `checkpoint-7 holding step 2's manifest verifies as ${JSON.stringify(verification)}`);
      check((await latestValid(outputDir, 'checkpoint'))?.name === 'checkpoint-2', 'latestValid chose a folder whose manifest names another step');
      return [];
    },
  },
  {
    name: 'trainer_state.json not JSON',
    async run({ outputDir }) {
      const folder = await commitFolder(outputDir, 'checkpoint', 3, [{ name: 'trainer_state.json', data: '{"global_step": 3,' }]);
      await expectError(
        () => readTrainerState(folder),
        `${folder}/trainer_state.json is not valid JSON (Expected double-quoted property name in JSON at position 18); check whether the save was interrupted.`,
      );
      return [];
    },
  },
  {
    name: 'lock takeover cut short',
    async run({ outputDir }) {
      // What a process SIGKILLed while taking over a stale lock leaves: the dead holder's lock file and the guard folder.
      const lockFile = path.join(outputDir, '.training-backups.lock');
      const dead = deadPid();
      await fs.writeFile(lockFile, JSON.stringify({ pid: dead, hostname: os.hostname(), command: 'killed run', started: new Date().toISOString(), token: 'feedface' }));
      await fs.mkdir(`${lockFile}.takeover`);
      const lock = await acquireLock(outputDir, 'next run');
      await lock.release();
      return ['output/.training-backups.lock'];
    },
  },
  keepEverythingCase('0', 0),
  keepEverythingCase('-1', -1),
  keepEverythingCase('undefined', undefined),
];
