// Helpers that drive the real CLI (dist/cli.js) on small runs of the custom example recipe, which trains
// y = [x0 + x1 > 1] on 256 points in well under a second on the cpu backend.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'fs-extra';
import * as path from 'node:path';
import { MissingPrerequisiteError } from './harness';

export const CLI_TIMEOUT_MS = 120_000;

export interface RunFolder {
  dir: string;
  configPath: string;
  outputDir: string;
  backupDir: string;
}

export interface RunConfig {
  maxSteps: number;
  saveSteps: number;
  saveTotalLimit: number;
  totalBackupLimit: number;
  [field: string]: unknown;
}

let cliCopy: string | undefined;

/**
 * Copies dist/cli.js and examples/custom/recipe.js once per suite run into .test-output/, so that a rebuild
 * during a long run cannot mix two versions of the trainer (the copy stays inside the repository, where
 * node_modules resolves). Throws MissingPrerequisiteError when either is missing.
 */
export async function requireCli(repoRoot: string): Promise<void> {
  if (cliCopy) {
    return;
  }
  const built = path.join(repoRoot, 'dist', 'cli.js');
  const recipe = path.join(repoRoot, 'examples', 'custom', 'recipe.js');
  if (!(await fs.pathExists(built))) {
    throw new MissingPrerequisiteError(`${built} is not built; run "npm run build" first`);
  }
  if (!(await fs.pathExists(recipe))) {
    throw new MissingPrerequisiteError(`${recipe} is missing`);
  }
  const copyDir = path.join(repoRoot, '.test-output', `reliability-${process.pid}`);
  await fs.copy(built, path.join(copyDir, 'cli.js'));
  await fs.copy(recipe, path.join(copyDir, 'recipe.js'));
  process.on('exit', () => fs.removeSync(copyDir));
  cliCopy = copyDir;
}

function copied(name: string): string {
  if (!cliCopy) {
    throw new Error('requireCli() must run before the CLI is used');
  }
  return path.join(cliCopy, name);
}

/** Creates a run folder with a copy of the example recipe and a training.json built from `config`. */
export async function createRun(dir: string, config: RunConfig): Promise<RunFolder> {
  await fs.ensureDir(dir);
  await fs.copy(copied('recipe.js'), path.join(dir, 'recipe.js'));
  const json = {
    recipe: './recipe.js',
    outputDir: './output',
    backupDir: './backups',
    batchSize: 16,
    learningRate: 0.05,
    loggingSteps: 5,
    backend: 'cpu',
    seed: 7,
    ...config,
  };
  const configPath = path.join(dir, 'training.json');
  await fs.writeFile(configPath, JSON.stringify(json, null, 2));
  return { dir, configPath, outputDir: path.join(dir, 'output'), backupDir: path.join(dir, 'backups') };
}

export interface CliProcess {
  child: ChildProcess;
  /** stdout and stderr, interleaved as they arrive. */
  output(): string;
  exited: Promise<number | null>;
}

export function startCli(args: string[]): CliProcess {
  const child = spawn(process.execPath, [copied('cli.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), CLI_TIMEOUT_MS);
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    }),
  );
  return { child, output: () => text, exited };
}

/** Runs the CLI to the end and returns its exit code and output. */
export async function runCli(args: string[]): Promise<{ status: number | null; output: string }> {
  const cli = startCli(args);
  const status = await cli.exited;
  return { status, output: cli.output() };
}

/** Resolves once the output matches `pattern`; rejects when the process exits first or after `timeoutMs`. */
export async function waitForOutput(cli: CliProcess, pattern: RegExp, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!pattern.test(cli.output())) {
    if (cli.child.exitCode !== null || cli.child.signalCode !== null) {
      throw new Error(`the CLI exited before printing ${pattern}:\n${cli.output()}`);
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(`the CLI printed nothing matching ${pattern} within ${timeoutMs} ms:\n${cli.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function killAndWait(cli: CliProcess): Promise<void> {
  if (cli.child.exitCode === null && cli.child.signalCode === null) {
    cli.child.kill('SIGKILL');
  }
  await cli.exited;
}
