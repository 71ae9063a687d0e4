// Child process for the concurrent-commit test: waits for 'go', commits one step, reports the outcome.

import { commitFolder } from '../../../../src/core';
import { weightsFor } from './folders';

const [parentDir, stepText] = process.argv.slice(2);

process.on('message', async (message) => {
  if (message !== 'go') return;
  try {
    const saved = await commitFolder(parentDir, 'checkpoint', Number(stepText), weightsFor(Number(stepText)));
    process.send?.({ ok: true, path: saved }, () => process.exit(0));
  } catch (error) {
    process.send?.({ ok: false, message: (error as Error).message }, () => process.exit(0));
  }
});
process.send?.('ready');
