// Chooses the tfjs backend. The native packages are optional dependencies, so a missing one is normal: the
// automatic choice falls through to the next best backend and records why each better one was skipped.
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../protocol';
import { messages } from './messages';
import { backendChoices } from './config';
import { registerTrainingKernels } from './kernels';
import { t } from './l10n';

export type BackendChoice = (typeof backendChoices)[number];
export const backendNames: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

export interface ChosenBackend {
  name: BackendName;
  /** One line per better backend that was skipped, with the reason. */
  skipped: string[];
}

const packageOf: Record<BackendName, string | undefined> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: undefined,
};

/** tfjs's own name of each backend, as tf.setBackend() expects it. */
const tfjsNameOf: Record<BackendName, string> = { 'tensorflow-gpu': 'tensorflow', tensorflow: 'tensorflow', wasm: 'wasm', cpu: 'cpu' };

/** Loads the package of `name` and activates it; returns the reason when that is not possible. */
async function tryBackend(name: BackendName): Promise<string | undefined> {
  const packageName = packageOf[name];
  if (packageName) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(packageName);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'MODULE_NOT_FOUND') {
        return t(messages.backendNotInstalled, packageName);
      }
      return t(messages.backendFailed, packageName, (error as Error).message);
    }
  }
  try {
    const ok = await tf.setBackend(tfjsNameOf[name]);
    if (!ok) {
      return `tf.setBackend('${tfjsNameOf[name]}') returned false`;
    }
    await tf.ready();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Activates the requested backend, or the best available one for 'auto', and registers the kernels of ./kernels
 * (the wasm GatherV2 and the UnsortedSegmentSum that Embedding's gradient needs). Throws when a forced backend
 * is unavailable.
 */
export async function chooseBackend(choice: BackendChoice = 'auto'): Promise<ChosenBackend> {
  const chosen = await activateBackend(choice);
  registerTrainingKernels();
  return chosen;
}

async function activateBackend(choice: BackendChoice): Promise<ChosenBackend> {
  if (choice !== 'auto') {
    const reason = await tryBackend(choice);
    if (reason !== undefined) {
      throw new Error(t(messages.backendForcedUnavailable, choice, reason));
    }
    return { name: choice, skipped: [] };
  }

  const skipped: string[] = [];
  for (const name of backendNames) {
    const reason = await tryBackend(name);
    if (reason === undefined) {
      return { name, skipped };
    }
    skipped.push(t(messages.backendSkipped, name, reason));
  }
  throw new Error(t(messages.noBackend, skipped.join('; ')));
}
