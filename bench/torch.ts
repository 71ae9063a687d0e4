// The spam demo against PyTorch: the same model, features, batch size, epochs and optimizer, trained by
// tfjs on the best available backend and by PyTorch on the CPU (bench/torch/spam_mlp.py, run with
// Debian's /usr/bin/python3 and python3-torch). Runs alternate between the two, and medians count.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { chooseBackend } from '../src/training/backend';
import { registerTrainingKernels } from '../src/training/kernels';
import { BagOfWordsDense, denseToWordIndices } from '../src/training/layers/bag-of-words-dense';
import type { RecipeData } from '../src/training/recipes';
import { spamDenseRecipe } from '../src/training/recipes/spam';
import { demoBatchSize, demoEpochs, demoLearningRate, describeMachine, heldOutAccuracy, median, StepRunner } from './embedding';
import type { BenchRow } from './row';

const pythonPath = process.env.TORCH_PYTHON ?? '/usr/bin/python3';
const scriptPath = path.resolve(__dirname, '../../bench/torch/spam_mlp.py');
const featuresDir = path.resolve('.test-output/torch-features');
/** Hidden units of the spam recipe's model (src/training/recipes/spam.ts). */
const hiddenUnits = 64;
const seed = 42;
const rounds = 3;

interface TorchResult {
  msPerStep: number;
  steps: number;
  accuracy: number;
  threads: number;
  torchVersion: string;
}

interface TfjsResult {
  msPerStep: number;
  accuracy: number;
}

/** Writes the recipe's features as little-endian float32 files that spam_mlp.py reads, with their shapes in meta.json. */
function exportFeatures(data: RecipeData): void {
  fs.mkdirSync(featuresDir, { recursive: true });
  const write = (name: string, tensor: tf.Tensor) => {
    const values = tensor.dataSync() as Float32Array;
    fs.writeFileSync(path.join(featuresDir, `${name}.f32`), Buffer.from(values.buffer, values.byteOffset, values.byteLength));
  };
  write('train-x', data.trainX);
  write('train-y', data.trainY);
  write('eval-x', data.evalX!);
  write('eval-y', data.evalY!);
  const meta = { trainCount: data.trainX.shape[0], evalCount: data.evalX!.shape[0], width: data.trainX.shape[1] };
  fs.writeFileSync(path.join(featuresDir, 'meta.json'), JSON.stringify(meta));
}

async function runTorch(threads: number): Promise<TorchResult> {
  const args = [scriptPath, featuresDir, '--threads', String(threads), '--epochs', String(demoEpochs), '--batch-size', String(demoBatchSize), '--learning-rate', String(demoLearningRate), '--hidden-units', String(hiddenUnits)];
  try {
    const { stdout } = await promisify(execFile)(pythonPath, args, { maxBuffer: 1 << 20 });
    return JSON.parse(stdout) as TorchResult;
  } catch (error) {
    throw new Error(`the PyTorch baseline failed (${pythonPath} ${path.relative('.', scriptPath)}): ${(error as Error).message}. Install python3-torch, or set TORCH_PYTHON to a Python that has torch.`);
  }
}

/** Converts a dense binary bag-of-words tensor to the word-index form BagOfWordsDense reads. */
function toWordIndices(dense: tf.Tensor): tf.Tensor2D {
  const { indices, wordsPerRow, rowCount } = denseToWordIndices(dense.dataSync(), dense.shape[1]!);
  return tf.tensor2d(indices, [rowCount, wordsPerRow], 'int32');
}

/** Builds the spam recipe's model with BagOfWordsDense in place of its first Dense layer (same weights and initializers). */
function buildSparseModel(vocabularySize: number): tf.LayersModel {
  return tf.sequential({
    name: 'spam_classifier',
    layers: [
      new BagOfWordsDense({ name: 'hidden', inputShape: [null], inputDim: vocabularySize, units: hiddenUnits, activation: 'relu', seed }),
      tf.layers.dense({ name: 'output', units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
}

/** Trains `model` for the demo's epochs and returns ms per step and held-out accuracy. */
function trainTfjs(model: tf.LayersModel, data: RecipeData): TfjsResult {
  const runner = new StepRunner(model, data.trainX, data.trainY);
  const steps = demoEpochs * runner.stepsPerEpoch;
  const stepsPerSecond = runner.timeSteps(steps);
  const accuracy = heldOutAccuracy(model, data);
  model.dispose();
  return { msPerStep: 1000 / stepsPerSecond, accuracy };
}

function ratioRow(what: string, torch: TorchResult[], ours: TfjsResult[], backend: string, threads: number): BenchRow {
  const torchMs = median(torch.map((result) => result.msPerStep));
  const oursMs = median(ours.map((result) => result.msPerStep));
  const ratio = torchMs / oursMs;
  return {
    what,
    baseline: `PyTorch ${torch[0].torchVersion} CPU, ${torch[0].threads} thread(s): ${torchMs.toFixed(2)} ms/step`,
    ours: `${oursMs.toFixed(2)} ms/step (${ratio.toFixed(2)}×)`,
    value: ratio,
    target: '≥ 1.0×',
    met: ratio >= 1,
    machine: describeMachine(`${backend}, ${threads} thread(s)`),
  };
}

/** Returns how many threads tfjs computes with on `backend`, so that PyTorch can be given as many. */
function threadsUsedBy(backend: string): number {
  if (backend === 'wasm') {
    // tfjs-backend-wasm 4.22 in Node has no multithreading support, so this returns 1 there.
    return getThreadsCount();
  }
  if (backend === 'cpu') {
    return 1;
  }
  // The native TensorFlow backends use every core.
  return os.cpus().length;
}

export async function measure(): Promise<BenchRow[]> {
  registerTrainingKernels();
  const backend = (await chooseBackend('auto')).name;
  const threads = threadsUsedBy(backend);

  const denseData = await spamDenseRecipe.loadData({ tf, seed });
  exportFeatures(denseData);
  const vocabularySize = denseData.trainX.shape[1]!;
  const sparseData: RecipeData = {
    trainX: toWordIndices(denseData.trainX),
    trainY: denseData.trainY,
    evalX: toWordIndices(denseData.evalX!),
    evalY: denseData.evalY,
  };

  const torchResults: TorchResult[] = [];
  const sparseResults: TfjsResult[] = [];
  const denseResults: TfjsResult[] = [];
  for (let round = 0; round < rounds; round++) {
    torchResults.push(await runTorch(threads));
    sparseResults.push(trainTfjs(buildSparseModel(vocabularySize), sparseData));
    denseResults.push(trainTfjs(spamDenseRecipe.buildModel({ tf, seed, data: denseData }), denseData));
  }
  tf.dispose([denseData.trainX, denseData.trainY, denseData.evalX!, denseData.evalY!, sparseData.trainX, sparseData.evalX!]);

  const sparseAccuracy = median(sparseResults.map((result) => result.accuracy));
  const torchAccuracy = median(torchResults.map((result) => result.accuracy));
  return [
    ratioRow('spam demo training step, sparse input (BagOfWordsDense), vs PyTorch', torchResults, sparseResults, backend, threads),
    ratioRow('spam demo training step, dense input (Dense first layer), vs PyTorch', torchResults, denseResults, backend, threads),
    {
      what: `spam demo held-out accuracy after ${demoEpochs} epochs, sparse input`,
      baseline: `PyTorch: ${(torchAccuracy * 100).toFixed(1)}%`,
      ours: `${(sparseAccuracy * 100).toFixed(1)}%`,
      value: sparseAccuracy,
      target: '≥ 98%',
      met: sparseAccuracy >= 0.98,
      machine: describeMachine(backend),
    },
  ];
}
