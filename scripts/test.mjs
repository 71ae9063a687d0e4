// `npm test`: builds the extension, then runs every test layer in turn and sums the results.
//   1. unit tests (mocha over out/test/unit, configured by .mocharc.json)
//   2. the .vsix package check (contents of `npm run package`)
//   3. the in-editor suite in code-server (test/runner/offline.ts), trusted, then untrusted when
//      *.untrusted.test.js files exist
//   4. the browser tests (out/test/browser/**/*.test.js) when present
//   5. the reliability suite (`npm run test:reliability`) when package.json defines it
// code-server is installed into .tools/ first when missing. The last line is "N passed, N failed".
// Exit code: 0 when nothing failed, 1 otherwise.
//
// Options: --skip-package skips layer 2 (for quick runs while developing; CI always runs it).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { installCodeServer, missingPrerequisites } from './install-code-server.mjs';
import { checkPackage } from './check-package.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = path.join(repoRoot, '.test-output', 'results');
const mochaBin = path.join(repoRoot, 'node_modules', 'mocha', 'bin', 'mocha.js');
const countingReporter = path.join(repoRoot, 'out', 'test', 'runner', 'countingReporter.js');
const isCI = process.env.CI === 'true' || process.env.CI === '1';

/** Results per layer, in the order the layers ran, with the wall time in seconds. */
const layers = [];
let layerStartedAt = Date.now();

function heading(title) {
  console.log(`\n=== ${title} ===`);
  layerStartedAt = Date.now();
}

function recordLayer(name, passed, failed) {
  layers.push({ name, passed, failed, seconds: (Date.now() - layerStartedAt) / 1000 });
}

function runNode(args, extraEnv = {}) {
  return spawnSync(process.execPath, args, { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, ...extraEnv } });
}

function recordFailure(name, message) {
  console.error(`[test] ${name}: ${message}`);
  recordLayer(name, 0, 1);
}

/** Runs mocha with the counting reporter and records the counts it writes. */
function runMochaLayer(name, mochaArgs, extraEnv = {}) {
  heading(name);
  const output = path.join(resultsDir, `${name.replace(/\W+/g, '-')}.json`);
  rmSync(output, { force: true });
  const result = runNode([mochaBin, ...mochaArgs, '--reporter', countingReporter, '--reporter-option', `output=${output}`], extraEnv);

  if (!existsSync(output)) {
    recordFailure(name, `mocha exited with code ${result.status} before it reported results (a test file failed to load?)`);
    return;
  }
  const counts = JSON.parse(readFileSync(output, 'utf8'));
  recordLayer(name, counts.passed, counts.failed);
}

/** Runs a script whose last output line is "N passed, N failed" and records those counts. */
function runCountingScript(name, command, args) {
  heading(name);
  const result = spawnSync(command, args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(result.stdout ?? '');
  const lines = (result.stdout ?? '').trim().split('\n');
  const match = /^(\d+) passed, (\d+) failed$/.exec(lines[lines.length - 1] ?? '');
  if (!match) {
    recordFailure(name, `exited with code ${result.status} and printed no final "N passed, N failed" line, so it counts as one failure`);
    return;
  }
  const passed = Number(match[1]);
  let failed = Number(match[2]);
  if (result.status !== 0 && failed === 0) {
    console.error(`[test] ${name}: exited with code ${result.status} although it reported no failed test`);
    failed = 1;
  }
  recordLayer(name, passed, failed);
}

function findFiles(directory, suffix) {
  if (!existsSync(directory)) {
    return [];
  }
  return readdirSync(directory, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith(suffix));
}

/** Installs code-server when missing, and returns false when the in-editor layers cannot run here. */
function prepareCodeServer() {
  heading('code-server');
  const missing = missingPrerequisites();
  if (missing.length > 0) {
    const names = missing.map((prerequisite) => prerequisite.name).join(', ');
    const message = `missing Debian packages: ${names}. Install them with: sudo apt-get install -y chromium libkrb5-dev ripgrep`;
    if (isCI) {
      recordFailure('code-server', message);
    } else {
      console.warn(`[test] The in-editor and browser tests did not run: ${message}`);
    }
    return false;
  }
  try {
    installCodeServer();
    // Recorded with no tests so that the summary shows how long the install took.
    recordLayer('code-server', 0, 0);
    return true;
  } catch (error) {
    recordFailure('code-server', error instanceof Error ? error.message : String(error));
    return false;
  }
}

function main() {
  const skipPackage = process.argv.includes('--skip-package');

  heading('build');
  const build = runNode([path.join(repoRoot, 'scripts', 'build.mjs')]);
  if (build.status !== 0) {
    recordFailure('build', `scripts/build.mjs exited with code ${build.status}; fix the build errors above first`);
    return;
  }

  runMochaLayer('unit', ['--config', path.join(repoRoot, '.mocharc.json')]);

  if (!skipPackage) {
    heading('package');
    try {
      const checks = checkPackage();
      recordLayer('package', checks.passed, checks.failed);
    } catch (error) {
      recordFailure('package', error instanceof Error ? error.message : String(error));
    }
  }

  if (prepareCodeServer()) {
    runCountingScript('in-editor', process.execPath, ['out/test/runner/offline.js']);
    if (findFiles(path.join(repoRoot, 'out', 'test', 'suite'), '.untrusted.test.js').length > 0) {
      runCountingScript('in-editor (untrusted workspace)', process.execPath, ['out/test/runner/offline.js', '--untrusted']);
    }

    const browserDir = path.join(repoRoot, 'out', 'test', 'browser');
    if (findFiles(browserDir, '.test.js').length > 0) {
      runMochaLayer('browser', ['--no-config', '--timeout', '600000', path.join(browserDir, '**', '*.test.js')]);
    }
  }

  const packageJson = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  if (packageJson.scripts?.['test:reliability']) {
    runCountingScript('reliability', process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', 'test:reliability']);
  }
}

main();

heading('summary');
for (const layer of layers) {
  console.log(`${layer.name}: ${layer.passed} passed, ${layer.failed} failed (${layer.seconds.toFixed(0)} s)`);
}
const passed = layers.reduce((sum, layer) => sum + layer.passed, 0);
const failed = layers.reduce((sum, layer) => sum + layer.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
