// Installs code-server into .tools/code-server so that the in-editor tests can run in a real VS Code
// server without downloading anything except npm packages. The package's own postinstall script is
// skipped because it exits with an error when run as root and downloads ripgrep; the steps below replace it.
//
// code-server 4.100.3 ships VS Code 1.100.3 and is the newest release that runs on Node 20
// (4.103 and later need Node 22).
//
// Usage: node scripts/install-code-server.mjs [--force]
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const codeServerVersion = '4.100.3';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const toolsDir = path.join(repoRoot, '.tools', 'code-server');
export const codeServerEntry = path.join(toolsDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

/**
 * Environment for every code-server process started from this repository. code-server writes a default
 * config.yaml into $XDG_CONFIG_HOME/code-server on first start, so this keeps it inside .tools/.
 */
export const codeServerEnv = { ...process.env, XDG_CONFIG_HOME: path.join(toolsDir, 'config'), XDG_DATA_HOME: path.join(toolsDir, 'data') };

const npmCommand = process.platform === 'win32' ? 'npm.cmd' : 'npm';

// Native modules of the VS Code server that need a build for this Node version.
const vscodeNativeModules = ['kerberos', 'node-pty', '@vscode/spdlog', 'native-watchdog', '@parcel/watcher', '@vscode/deviceid'];

/** Debian packages the install and the browser tests need, with a file that proves each one is present. */
const debianPrerequisites = [
  { name: 'chromium', file: '/usr/bin/chromium', reason: 'headless browser that drives the workbench' },
  { name: 'ripgrep', file: '/usr/bin/rg', reason: 'replaces the rg binary @vscode/ripgrep would download' },
  { name: 'libkrb5-dev', file: '/usr/include/gssapi/gssapi.h', reason: 'headers for the kerberos native module' },
];

function run(command, args, cwd, extraEnv = {}) {
  console.log(`[install-code-server] ${path.relative(repoRoot, cwd) || '.'}$ ${command} ${args.join(' ')}`);
  execFileSync(command, args, { cwd, stdio: 'inherit', env: { ...process.env, ...extraEnv } });
}

/**
 * Returns the version line of `code-server --version` (e.g. "4.100.3 <commit> with Code 1.100.3"),
 * or undefined when code-server is not installed or does not start.
 */
export function installedVersion() {
  if (!existsSync(codeServerEntry)) {
    return undefined;
  }
  try {
    const output = execFileSync(process.execPath, [codeServerEntry, '--version'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: codeServerEnv,
    });
    return output.split('\n').find((line) => /^\d+\.\d+\.\d+ /.test(line))?.trim();
  } catch {
    return undefined;
  }
}

/** Returns the Debian packages whose files are missing. */
export function missingPrerequisites() {
  return debianPrerequisites.filter((prerequisite) => !existsSync(prerequisite.file));
}

/**
 * Installs code-server unless the installed copy already reports the expected version.
 * Throws when a prerequisite is missing or a step fails.
 */
export function installCodeServer({ force = false } = {}) {
  const version = installedVersion();
  if (!force && version?.startsWith(codeServerVersion)) {
    console.log(`[install-code-server] code-server ${codeServerVersion} is already installed in ${path.relative(repoRoot, toolsDir)}`);
    return;
  }

  const missing = missingPrerequisites();
  if (missing.length > 0) {
    const lines = missing.map((prerequisite) => `  ${prerequisite.name}: ${prerequisite.file} not found (${prerequisite.reason})`);
    throw new Error(
      `Missing Debian packages needed to install code-server:\n${lines.join('\n')}\n` +
        'Install them with: sudo apt-get install -y chromium libkrb5-dev ripgrep',
    );
  }

  rmSync(toolsDir, { recursive: true, force: true });
  mkdirSync(toolsDir, { recursive: true });
  writeFileSync(path.join(toolsDir, 'package.json'), JSON.stringify({ name: 'code-server-tools', private: true }, null, 2));

  run(npmCommand, ['install', '--ignore-scripts', '--no-audit', '--no-fund', `code-server@${codeServerVersion}`], toolsDir);
  run(npmCommand, ['rebuild', 'argon2'], toolsDir);

  const vscodeDir = path.join(toolsDir, 'node_modules', 'code-server', 'lib', 'vscode');
  run(npmCommand, ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], vscodeDir);

  const ripgrepBinDir = path.join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin');
  mkdirSync(ripgrepBinDir, { recursive: true });
  copyFileSync('/usr/bin/rg', path.join(ripgrepBinDir, 'rg'));

  // npm_config_yes lets node-pty's install script run `npx node-gyp` without a prompt.
  run(npmCommand, ['rebuild', ...vscodeNativeModules], vscodeDir, { npm_config_yes: 'true' });

  // The server looks up its dependencies under node_modules.asar, which only exists in packaged builds.
  const asarLink = path.join(vscodeDir, 'node_modules.asar');
  if (!existsSync(asarLink) && !isSymlink(asarLink)) {
    symlinkSync('node_modules', asarLink);
  }

  const installed = installedVersion();
  if (!installed?.startsWith(codeServerVersion)) {
    throw new Error(
      `code-server was installed in ${toolsDir} but \`--version\` printed "${installed ?? 'nothing'}" ` +
        `instead of ${codeServerVersion}. Delete ${toolsDir} and run this script again.`,
    );
  }
  console.log(`[install-code-server] installed code-server ${installed}`);
}

function isSymlink(file) {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    installCodeServer({ force: process.argv.includes('--force') });
  } catch (error) {
    console.error(`[install-code-server] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
