// Entry point of the in-editor test suite. VS Code loads this file in the extension host (through the
// extensionTestsPath development option) and awaits run(). The suite runs mocha over the compiled
// *.test.js files next to this file and writes the results to a JSON file so that the harness outside
// the editor reads pass/fail and counts without scraping console output.
import * as fs from 'fs';
import Mocha from 'mocha';
import * as path from 'path';
import * as vscode from 'vscode';

/** Environment variable that gives the path of the results file. */
export const resultsPathVariable = 'TRAINING_BACKUPS_TEST_RESULTS';

/**
 * Environment variable that selects the test files: "trusted" (default) runs every *.test.js except
 * *.untrusted.test.js, "untrusted" runs only *.untrusted.test.js (the harness opens the workspace untrusted).
 */
export const workspaceTrustVariable = 'TRAINING_BACKUPS_TEST_TRUST';

/** File name used next to the workspace folder when the environment variable does not reach the host. */
export const fallbackResultsFileName = '.training-backups-test-results.json';

export interface TestOutcome {
  title: string;
  fullTitle: string;
  file?: string;
  durationMs?: number;
  error?: string;
  stack?: string;
}

export interface SuiteResults {
  passes: TestOutcome[];
  failures: TestOutcome[];
  /** Tests that mocha marked pending: the harness counts them as failures, because no test may be skipped. */
  pending: TestOutcome[];
  /** How the results path was found: from the environment variable or the workspace fallback. */
  resultsPathSource: 'environment' | 'workspace';
  vscodeVersion: string;
  startedAt: string;
  finishedAt: string;
}

function findTestFiles(directory: string, trust: string): string[] {
  const files = fs.readdirSync(directory, { recursive: true, encoding: 'utf8' });
  const wantUntrusted = trust === 'untrusted';
  return files
    .filter((file) => file.endsWith('.test.js'))
    .filter((file) => file.endsWith('.untrusted.test.js') === wantUntrusted)
    .map((file) => path.join(directory, file))
    .sort();
}

/** Returns where the results go: the environment variable, else a file in the parent of the first workspace folder. */
function resolveResultsPath(): { resultsPath: string; source: SuiteResults['resultsPathSource'] } {
  const fromEnvironment = process.env[resultsPathVariable];
  if (fromEnvironment) {
    return { resultsPath: fromEnvironment, source: 'environment' };
  }

  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    throw new Error(
      `${resultsPathVariable} is not set and no workspace folder is open, so the test results have nowhere to go. ` +
        'Start the editor through test/runner/offline.ts or test/runner/electron.ts.',
    );
  }
  return { resultsPath: path.join(path.dirname(folder.uri.fsPath), fallbackResultsFileName), source: 'workspace' };
}

function describeTest(test: Mocha.Test | Mocha.Hook, error?: Error): TestOutcome {
  return {
    title: test.title,
    fullTitle: test.fullTitle(),
    file: test.file,
    durationMs: test.duration,
    error: error ? `${error.name}: ${error.message}` : undefined,
    stack: error?.stack,
  };
}

function writeResults(resultsPath: string, results: SuiteResults): void {
  fs.mkdirSync(path.dirname(resultsPath), { recursive: true });
  const temporaryPath = `${resultsPath}.tmp-${process.pid}`;
  fs.writeFileSync(temporaryPath, JSON.stringify(results, null, 2));
  // The harness polls for the file, so it must appear complete: write elsewhere, then rename.
  fs.renameSync(temporaryPath, resultsPath);
}

/** Runs every in-editor test file, writes the results file, and rejects when any test failed. */
export async function run(): Promise<void> {
  const { resultsPath, source } = resolveResultsPath();
  const trust = process.env[workspaceTrustVariable] ?? 'trusted';
  const startedAt = new Date().toISOString();

  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  const files = findTestFiles(__dirname, trust);
  for (const file of files) {
    mocha.addFile(file);
  }

  const passes: TestOutcome[] = [];
  const failures: TestOutcome[] = [];
  const pending: TestOutcome[] = [];

  try {
    await mocha.loadFilesAsync();
    await new Promise<void>((resolve) => {
      const runner = mocha.run(() => resolve());
      runner.on('pass', (test) => passes.push(describeTest(test)));
      runner.on('fail', (test, error: Error) => failures.push(describeTest(test, error)));
      runner.on('pending', (test) => pending.push(describeTest(test)));
    });
  } catch (error) {
    // A test file that throws while loading fails the whole suite; report it as one failure.
    const loadError = error instanceof Error ? error : new Error(String(error));
    failures.push({ title: 'loading the test files', fullTitle: 'loading the test files', error: loadError.message, stack: loadError.stack });
  }

  if (files.length === 0) {
    failures.push({ title: 'finding the test files', fullTitle: 'finding the test files', error: `No *.test.js files for trust "${trust}" under ${__dirname}` });
  }

  writeResults(resultsPath, {
    passes,
    failures,
    pending,
    resultsPathSource: source,
    vscodeVersion: vscode.version,
    startedAt,
    finishedAt: new Date().toISOString(),
  });

  if (failures.length > 0 || pending.length > 0) {
    throw new Error(`${failures.length} in-editor tests failed and ${pending.length} were skipped; see ${resultsPath}`);
  }
}
