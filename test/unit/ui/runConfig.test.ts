import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { runFromConfig, runFromOutputFolder } from '../../../src/ui/runConfig';

const configPath = path.resolve('/work/project/spam/training.json');

describe('runFromConfig', () => {
  it('resolves folders against the config folder', () => {
    const run = runFromConfig(configPath, { outputDir: './output', backupDir: '../safe/backups' }, { backupFolder: '' });
    assert.equal(run.name, 'spam');
    assert.equal(run.outputDir, path.resolve('/work/project/spam/output'));
    assert.equal(run.backupDir, path.resolve('/work/project/safe/backups'));
    assert.equal(run.configPath, configPath);
    assert.equal(run.source, 'config');
  });

  it('keeps absolute folders', () => {
    const run = runFromConfig(configPath, { outputDir: '/data/out', backupDir: '/data/bk' }, { backupFolder: 'ignored' });
    assert.equal(run.outputDir, path.resolve('/data/out'));
    assert.equal(run.backupDir, path.resolve('/data/bk'));
  });

  it('uses the backup folder setting when backupDir is missing', () => {
    const run = runFromConfig(configPath, { outputDir: 'output' }, { backupFolder: '/mnt/backups' });
    assert.equal(run.backupDir, path.resolve('/mnt/backups'));
  });

  it('falls back to default folders', () => {
    const run = runFromConfig(configPath, 'not an object', { backupFolder: '  ' });
    assert.equal(run.outputDir, path.resolve('/work/project/spam/output'));
    assert.equal(run.backupDir, path.resolve('/work/project/spam/backups'));
  });

  it('ignores empty and non-string folders', () => {
    const run = runFromConfig(configPath, { outputDir: '', backupDir: 42 }, { backupFolder: '' });
    assert.equal(run.outputDir, path.resolve('/work/project/spam/output'));
    assert.equal(run.backupDir, path.resolve('/work/project/spam/backups'));
  });
});

describe('runFromOutputFolder', () => {
  it('resolves against the workspace root', () => {
    const run = runFromOutputFolder('hf/out', path.resolve('/work/project'));
    assert.equal(run.outputDir, path.resolve('/work/project/hf/out'));
    assert.equal(run.backupDir, run.outputDir);
    assert.equal(run.source, 'huggingface');
    assert.equal(run.configPath, undefined);
    assert.equal(run.name, 'out');
  });

  it('keeps absolute folders without a workspace', () => {
    const run = runFromOutputFolder('/data/hf-run', undefined);
    assert.equal(run.id, path.resolve('/data/hf-run'));
  });
});
