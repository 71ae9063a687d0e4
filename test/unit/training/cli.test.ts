import * as assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { makeTempDir, repoRoot, writeConfig } from './helpers';

const cliEntry = path.join(repoRoot, 'dist/cli.js');
const execFileAsync = promisify(execFile);

/** Runs the CLI and returns its exit code and output; a non-zero exit is a result, not an exception. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [cliEntry, ...args], { timeout: 60000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('training CLI', function () {
  this.timeout(60000);
  let dir: string;
  let configPath: string;

  before(() => {
    assert.ok(fs.existsSync(cliEntry), `${cliEntry} is missing: run "npm run build" first`);
    dir = makeTempDir('cli');
    configPath = writeConfig(dir, { maxSteps: 20, saveStrategy: 'steps', saveSteps: 10 });
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('train prints plain lines and the listing', async () => {
    const result = await cli('train', configPath);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^step 5\/20 {2}epoch /m);
    assert.match(result.stdout, /^finished \(completed\) at step 20: eval_loss=/m);
    assert.match(result.stdout, /^ {2}checkpoint-20 +step +20 {2}loss +[\d.]+ +[\d.]+ kB {2}complete$/m);
    assert.match(result.stdout, /^ {2}model_backup_step-10 +step +10 /m);
  });

  it('train rejects a folder with checkpoints', async () => {
    const result = await cli('train', configPath);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /already has checkpoints \(newest: checkpoint-20\)\. Use "resume" to continue that run/);
  });

  it('verify exits 1 on a corrupt file', async () => {
    assert.equal((await cli('verify', configPath)).code, 0);
    const weights = path.join(dir, 'output', 'checkpoint-10', 'weights.bin');
    const bytes = fs.readFileSync(weights);
    bytes[bytes.length - 1] ^= 0x01;
    fs.writeFileSync(weights, bytes);

    const result = await cli('verify', configPath);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /checkpoint-10: file weights\.bin is corrupt/);
    assert.match(result.stdout, /^1 of 4 folders failed verification\.$/m);
  });

  it('rejects an unknown command with usage', async () => {
    const result = await cli('fit', configPath);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^error: Unknown command "fit"\./);
    assert.match(result.stderr, /Usage: training-backups <command> <config>/);
  });

  it('rejects an unknown backend', async () => {
    const result = await cli('list', configPath, '--backend', 'tpu');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--backend tpu is invalid: expected one of auto, tensorflow-gpu, tensorflow, wasm, cpu\./);
  });

  it('verify prints absolute paths', async () => {
    const result = await cli('verify', configPath);
    assert.match(result.stdout, new RegExp(`^${escapeRegExp(path.join(dir, 'output', 'checkpoint-20'))}: ok$`, 'm'));
    assert.match(result.stdout, new RegExp(`^${escapeRegExp(path.join(dir, 'backups', 'model_backup_step-20'))}: ok$`, 'm'));
  });

  it('restore warns once and lists superseded', async () => {
    const result = await cli('restore', configPath, '--from', path.join(dir, 'backups', 'model_backup_step-10'));
    assert.equal(result.code, 0, result.stderr);
    const warnings = (result.stdout + result.stderr).split('\n').filter((line) => line.includes('were moved aside, not deleted'));
    assert.equal(warnings.length, 1, `expected one line about the moved folders, got:\n${warnings.join('\n')}`);
    assert.match(warnings[0], /^warning: Training restarts from step 10/);

    const listing = await cli('list', configPath);
    assert.equal(listing.code, 0, listing.stderr);
    assert.match(listing.stdout, new RegExp(`^Superseded in ${escapeRegExp(path.join(dir, 'output'))} \\(`, 'm'));
    assert.match(listing.stdout, /^ {2}\/.*\/output\/superseded-\d{4}-\d{2}-\d{2}T[\d-]+Z:$/m);
    assert.match(listing.stdout, /^ {4}checkpoint-20 +step +20 /m);
    assert.match(listing.stdout, /^ {4}model_backup_step-20 +step +20 /m);
  });

  it('verify of an empty run says so', async () => {
    const emptyConfig = writeConfig(makeTempDir('cli-empty'));
    try {
      const result = await cli('verify', emptyConfig);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^Nothing is saved yet in .*output or .*backups\.$/m);
      assert.doesNotMatch(result.stdout, /All 0 folders/);
    } finally {
      fs.rmSync(path.dirname(emptyConfig), { recursive: true, force: true });
    }
  });

  it('verify counts one folder in singular', async () => {
    const singleDir = makeTempDir('cli-single');
    const singleConfig = writeConfig(singleDir, { maxSteps: 5, saveStrategy: 'steps', saveSteps: 5 });
    try {
      assert.equal((await cli('train', singleConfig)).code, 0);
      fs.rmSync(path.join(singleDir, 'backups'), { recursive: true, force: true });

      const result = await cli('verify', singleConfig);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^1 folder verified ok\.$/m);
    } finally {
      fs.rmSync(singleDir, { recursive: true, force: true });
    }
  });

  it('exits quietly on a closed pipe', async () => {
    const child = spawn(process.execPath, [cliEntry, 'verify', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // like `| head` that exits before the CLI writes
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));

    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /EPIPE/);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
