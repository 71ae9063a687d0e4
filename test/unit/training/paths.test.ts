import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runSession } from '../../../src/training/session';
import { createRecorder, makeTempDir, writeConfig } from './helpers';

describe('unusable output folders', function () {
  this.timeout(60000);
  const dirs: string[] = [];
  after(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  const cases = [
    {
      name: 'outputDir is a file',
      setting: 'outputDir',
      breakFolder: (folder: string) => fs.writeFileSync(folder, 'a plain file'),
      reason: 'a file, not a folder, has that path',
    },
    {
      name: 'backupDir is a symlink loop',
      setting: 'backupDir',
      breakFolder: (folder: string) => {
        fs.symlinkSync(`${folder}-loop`, folder);
        fs.symlinkSync(folder, `${folder}-loop`);
      },
      reason: 'its symbolic links form a loop',
    },
  ];

  for (const testCase of cases) {
    it(testCase.name, async () => {
      const dir = makeTempDir('paths');
      dirs.push(dir);
      const configPath = writeConfig(dir, { maxSteps: 5 });
      const folder = path.join(dir, testCase.setting === 'outputDir' ? 'output' : 'backups');
      testCase.breakFolder(folder);

      await assert.rejects(runSession({ mode: 'train', configPath, reporter: createRecorder().report }), (error: Error) => {
        assert.equal(
          error.message,
          `${testCase.setting} ${folder} cannot be used as a folder: ${testCase.reason}. ` +
            `Set "${testCase.setting}" in ${configPath} to a folder that can be created and written to.`,
        );
        return true;
      });
    });
  }
});
