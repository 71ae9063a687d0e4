// Runs the in-editor test suite in desktop VS Code through @vscode/test-electron.
//
// Usage: node out/test/runner/electron.js
//   VSCODE_EXECUTABLE_PATH  path of an installed VS Code binary. Without it, test-electron downloads a VS Code
//                           build from update.code.visualstudio.com, which needs internet access; offline, use
//                           test/runner/offline.ts instead.
// Exit code: 0 when every test passed, 1 otherwise.
// NOTE: this runner has only been compiled, never run: the machines it was written on had neither a desktop
// VS Code nor the internet access that test-electron's download needs.
import { runTests } from '@vscode/test-electron';
import * as fs from 'fs';
import * as path from 'path';
import type { SuiteResults } from '../suite';
import { outputRoot, repoRoot } from './codeServer';
import { prepareWorkspace } from './workspace';

async function main(): Promise<void> {
  const sessionDir = path.join(outputRoot, 'electron');
  fs.rmSync(sessionDir, { recursive: true, force: true });
  const workspaceDir = prepareWorkspace(path.join(outputRoot, 'electron-workspace'));
  const resultsPath = path.join(sessionDir, 'results.json');

  const exitCode = await runTests({
    vscodeExecutablePath: process.env.VSCODE_EXECUTABLE_PATH || undefined,
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: path.join(repoRoot, 'out', 'test', 'suite', 'index.js'),
    extensionTestsEnv: { TRAINING_BACKUPS_TEST_RESULTS: resultsPath, TRAINING_BACKUPS_TEST_TRUST: 'trusted' },
    launchArgs: [
      workspaceDir,
      '--disable-extensions',
      '--disable-workspace-trust',
      '--skip-welcome',
      '--user-data-dir',
      path.join(sessionDir, 'user-data'),
      '--extensions-dir',
      path.join(sessionDir, 'extensions'),
    ],
  });

  if (fs.existsSync(resultsPath)) {
    const results = JSON.parse(fs.readFileSync(resultsPath, 'utf8')) as SuiteResults;
    console.log(`${results.passes.length} passed, ${results.failures.length + results.pending.length} failed`);
  }
  process.exitCode = exitCode === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(`The desktop test run failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
