// Profiles one training step of the spam demo on wasm, with the recipe's dense input and with
// BagOfWordsDense, and prints the kernels that take the most time per step as a Markdown table.
// Run after `npm run build`: node out/bench/torch/profile.js [backend] [--original-kernels]   (default wasm)
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerTrainingKernels } from '../../src/training/kernels';
import { BagOfWordsDense, denseToWordIndices } from '../../src/training/layers/bag-of-words-dense';
import { spamDenseRecipe } from '../../src/training/recipes/spam';
import { StepRunner } from '../embedding';

const profiledSteps = 20;
const warmupSteps = 10;
const listedKernels = 8;

/** Returns the kernel time per step of each kernel name, largest first, and the total. */
async function profileSteps(runner: StepRunner): Promise<{ kernels: [string, number][]; totalMs: number; wallMs: number }> {
  runner.timeSteps(warmupSteps);
  const started = performance.now();
  const profile = await tf.profile(() => {
    for (let i = 0; i < profiledSteps; i++) {
      runner.step();
    }
  });
  const wallMs = (performance.now() - started) / profiledSteps;

  const byName = new Map<string, number>();
  for (const kernel of profile.kernels) {
    byName.set(kernel.name, (byName.get(kernel.name) ?? 0) + Number(kernel.kernelTimeMs) / profiledSteps);
  }
  const kernels = [...byName.entries()].sort((a, b) => b[1] - a[1]);
  const totalMs = kernels.reduce((sum, [, ms]) => sum + ms, 0);
  return { kernels, totalMs, wallMs };
}

async function main(): Promise<void> {
  const backend = process.argv[2]?.startsWith('--') ? 'wasm' : (process.argv[2] ?? 'wasm');
  // Pass --original-kernels to profile with tfjs's own wasm GatherV2 instead of kernels/gather.ts.
  if (!process.argv.includes('--original-kernels')) {
    registerTrainingKernels();
  }
  if (!(await tf.setBackend(backend))) {
    throw new Error(`the ${backend} backend failed to initialize`);
  }
  const seed = 42;
  const data = await spamDenseRecipe.loadData({ tf, seed });
  const vocabularySize = data.trainX.shape[1]!;
  const { indices, wordsPerRow, rowCount } = denseToWordIndices(data.trainX.dataSync(), vocabularySize);
  const wordIndices = tf.tensor2d(indices, [rowCount, wordsPerRow], 'int32');

  const sparseModel = tf.sequential({
    layers: [
      new BagOfWordsDense({ inputShape: [null], inputDim: vocabularySize, units: 64, activation: 'relu', seed }),
      tf.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
  const variants: [string, StepRunner][] = [
    ['dense input (Dense first layer)', new StepRunner(spamDenseRecipe.buildModel({ tf, seed, data }), data.trainX, data.trainY)],
    ['BagOfWordsDense', new StepRunner(sparseModel, wordIndices, data.trainY)],
  ];

  console.log(`Backend ${backend}, batch 32, vocabulary ${vocabularySize}, ${profiledSteps} profiled steps (tf.profile kernel times).\n`);
  for (const [name, runner] of variants) {
    const { kernels, totalMs, wallMs } = await profileSteps(runner);
    console.log(`${name}: ${wallMs.toFixed(2)} ms per step (wall), ${totalMs.toFixed(2)} ms in kernels\n`);
    console.log('| kernel | ms per step | share of kernel time |\n|---|---|---|');
    for (const [kernel, ms] of kernels.slice(0, listedKernels)) {
      console.log(`| ${kernel} | ${ms.toFixed(2)} | ${((ms / totalMs) * 100).toFixed(0)}% |`);
    }
    console.log('');
  }
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exitCode = 1;
});
