// Prepares the workspace folder that the editor opens during tests: a fresh copy of test/runner/fixture.
import * as fs from 'fs';
import * as path from 'path';
import { repoRoot } from './codeServer';

export const fixtureDir = path.join(repoRoot, 'test', 'runner', 'fixture');

/** Copies the fixture into `workspaceDir`, replacing whatever was there, and returns the folder. */
export function prepareWorkspace(workspaceDir: string): string {
  fs.rmSync(workspaceDir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(workspaceDir), { recursive: true });
  fs.cpSync(fixtureDir, workspaceDir, { recursive: true });
  return workspaceDir;
}
