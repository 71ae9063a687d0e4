import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { acquireLock } from '../../../src/core';
import { chooseBackend } from '../../../src/training/backend';
import { runSession } from '../../../src/training/session';
import { createRecorder, makeTempDir, writeConfig } from './helpers';

/** Checks whether an optional native package is installed here, because the expected choice differs when it is. */
function installed(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

describe('backend choice', function () {
  this.timeout(30000);

  it('auto skips missing native packages', async function () {
    const nativeInstalled = installed('@tensorflow/tfjs-node-gpu') || installed('@tensorflow/tfjs-node');
    const chosen = await chooseBackend('auto');
    if (nativeInstalled) {
      assert.ok(['tensorflow-gpu', 'tensorflow'].includes(chosen.name), `chose ${chosen.name} although a native package is installed`);
      return;
    }
    assert.equal(chosen.name, 'wasm');
    assert.deepEqual(chosen.skipped, [
      'tensorflow-gpu skipped: the package @tensorflow/tfjs-node-gpu is not installed',
      'tensorflow skipped: the package @tensorflow/tfjs-node is not installed',
    ]);
  });

  it('forced missing backend is rejected', async function () {
    if (installed('@tensorflow/tfjs-node')) {
      assert.equal((await chooseBackend('tensorflow')).name, 'tensorflow');
      return;
    }
    await assert.rejects(chooseBackend('tensorflow'), {
      message:
        'The backend tensorflow was requested but is not available: the package @tensorflow/tfjs-node is not installed. Install it or set "backend" to "auto".',
    });
  });

  it('forced cpu is used', async () => {
    assert.deepEqual(await chooseBackend('cpu'), { name: 'cpu', skipped: [] });
  });
});

describe('run lock', function () {
  this.timeout(30000);
  let dir: string;

  before(() => {
    dir = makeTempDir('lock');
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('second run on a locked folder fails', async () => {
    const configPath = writeConfig(dir, { maxSteps: 5 });
    const outputDir = path.join(dir, 'output');
    fs.mkdirSync(outputDir, { recursive: true });
    const lock = await acquireLock(outputDir, 'test holder');
    try {
      await assert.rejects(runSession({ mode: 'train', configPath, reporter: createRecorder().report }), {
        message: `Another training process (pid ${process.pid}) is using ${outputDir}. Stop it first or wait for it to finish.`,
      });
    } finally {
      await lock.release();
    }
    assert.deepEqual(fs.readdirSync(outputDir).filter((name) => name.startsWith('checkpoint-')), []);
  });
});
