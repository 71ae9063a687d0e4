// Runs the in-editor test suite (out/test/suite) inside code-server, without any download: code-server
// serves VS Code on 127.0.0.1, headless Chromium opens the workbench with the extension under development
// and the suite's path in the `payload` URL parameter, and the suite writes its results to a JSON file
// that this process waits for.
//
// Usage: node out/test/runner/offline.js [--untrusted]
//   --untrusted  opens the workspace with workspace trust enabled and the folder not trusted, and runs
//                only the *.untrusted.test.js files.
// Exit code: 0 when every test passed, 1 otherwise. The last line is "N passed, N failed".
import * as fs from 'fs';
import * as path from 'path';
import type { SuiteResults } from '../suite';
import { openWorkbench, saveScreenshot } from './browser';
import { lockSession, outputRoot, repoRoot, startCodeServer } from './codeServer';
import { prepareWorkspace } from './workspace';

/** Maximum time the whole suite may take, in milliseconds, from opening the page to the results file. */
const suiteTimeoutMs = Number(process.env.TRAINING_BACKUPS_SUITE_TIMEOUT_MS ?? 10 * 60_000);

export interface SuiteRunSummary {
  passed: number;
  failed: number;
}

async function waitForFile(file: string, timeoutMs: number, isAlive: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (fs.existsSync(file)) {
      return true;
    }
    if (!isAlive()) {
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

function printResults(results: SuiteResults): void {
  for (const test of results.passes) {
    console.log(`  ✓ ${test.fullTitle} (${test.durationMs ?? 0} ms)`);
  }
  for (const test of results.pending) {
    console.log(`  - ${test.fullTitle} (skipped, counted as a failure)`);
  }
  for (const test of results.failures) {
    console.log(`  ✗ ${test.fullTitle}`);
    console.log(`      ${(test.stack ?? test.error ?? '').split('\n').join('\n      ')}`);
  }
}

/** Runs the in-editor suite once in a fresh code-server session and returns the counts. */
export async function runInEditorSuite(options: { untrusted: boolean }): Promise<SuiteRunSummary> {
  const label = options.untrusted ? 'in-editor-untrusted' : 'in-editor';
  const sessionDir = path.join(outputRoot, label);
  const unlock = await lockSession(sessionDir);
  try {
    return await runLockedSuite(label, sessionDir, options);
  } finally {
    unlock();
  }
}

async function runLockedSuite(label: string, sessionDir: string, options: { untrusted: boolean }): Promise<SuiteRunSummary> {
  const workspaceDir = prepareWorkspace(path.join(outputRoot, `${label}-workspace`));
  const resultsPath = path.join(sessionDir, 'results.json');
  const suiteEntry = path.join(repoRoot, 'out', 'test', 'suite', 'index.js');
  if (!fs.existsSync(suiteEntry)) {
    throw new Error(`${suiteEntry} does not exist. Build first with: npm run build`);
  }

  console.log(`[${label}] starting code-server (logs in ${path.relative(repoRoot, sessionDir)})`);
  const server = await startCodeServer({
    sessionDir,
    workspaceDir,
    workspaceTrust: options.untrusted,
    env: {
      TRAINING_BACKUPS_TEST_RESULTS: resultsPath,
      TRAINING_BACKUPS_TEST_TRUST: options.untrusted ? 'untrusted' : 'trusted',
    },
  });

  let session: Awaited<ReturnType<typeof openWorkbench>> | undefined;
  try {
    const url = server.workbenchUrl(workspaceDir, [
      ['extensionDevelopmentPath', server.remoteUri(repoRoot)],
      ['extensionTestsPath', server.remoteUri(suiteEntry)],
      ['skipWelcome', 'true'],
    ]);
    session = await openWorkbench(url);
    const page = session.page;
    const startedAt = Date.now();
    const arrived = await waitForFile(resultsPath, suiteTimeoutMs, () => !page.isClosed());
    if (!arrived) {
      const screenshot = await saveScreenshot(page, path.join(sessionDir, 'timeout.png'));
      fs.writeFileSync(path.join(sessionDir, 'browser-console.log'), session.consoleLines.join('\n'));
      throw new Error(
        `The in-editor suite wrote no results to ${resultsPath} within ${Math.round((Date.now() - startedAt) / 1000)} s. ` +
          `Look at ${path.join(sessionDir, 'browser-console.log')}, ${server.logPath}` +
          (screenshot ? ` and ${screenshot}` : '') +
          '. Set TRAINING_BACKUPS_SUITE_TIMEOUT_MS to wait longer.',
      );
    }

    const results = JSON.parse(fs.readFileSync(resultsPath, 'utf8')) as SuiteResults;
    console.log(`[${label}] VS Code ${results.vscodeVersion}, results via ${results.resultsPathSource}`);
    printResults(results);
    const failed = results.failures.length + results.pending.length;
    if (failed > 0) {
      await saveScreenshot(page, path.join(sessionDir, 'failure.png'));
    }
    fs.writeFileSync(path.join(sessionDir, 'browser-console.log'), session.consoleLines.join('\n'));
    return { passed: results.passes.length, failed };
  } finally {
    await session?.close();
    await server.stop();
  }
}

async function main(): Promise<void> {
  const untrusted = process.argv.includes('--untrusted');
  let summary: SuiteRunSummary;
  try {
    summary = await runInEditorSuite({ untrusted });
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    summary = { passed: 0, failed: 1 };
  }
  console.log(`${summary.passed} passed, ${summary.failed} failed`);
  process.exitCode = summary.failed > 0 ? 1 : 0;
}

if (require.main === module) {
  void main();
}
