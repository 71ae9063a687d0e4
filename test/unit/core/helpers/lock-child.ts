// Child process for the lock tests: takes the lock of a folder, reports 'locked', and waits to be killed.

import { acquireLock } from '../../../../src/core';

acquireLock(process.argv[2], 'lock test child').then(
  () => {
    process.send?.('locked');
    setInterval(() => undefined, 60_000);
  },
  (error: Error) => {
    process.send?.(`failed: ${error.message}`);
    process.exit(1);
  },
);
