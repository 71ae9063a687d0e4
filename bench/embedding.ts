// Benchmark of the Embedding variant of the spam demo: steps/s on wasm against cpu (both with the
// UnsortedSegmentSum kernel of src/training/kernels, without which wasm cannot train it), and held-out
// accuracy after the demo's 3 epochs on wasm. Also exports the training-loop helpers bench/torch.ts uses.
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { lossAndAccuracy } from '../src/training/losses';
import { Random } from '../src/training/random';
import type { RecipeData } from '../src/training/recipes';
import { spamEmbeddingRecipe } from '../src/training/recipes/spam-embedding';
import type { BenchRow } from './row';

/** The demo's settings (examples/spam/training.json): batch 32, Adam with learning rate 0.001, 3 epochs. */
export const demoBatchSize = 32;
export const demoLearningRate = 0.001;
export const demoEpochs = 3;
const seed = 42;

/** Steps in one timed window. Rounds alternate the backends, and the median window of each backend counts. */
const timedStepsPerWindow = 30;
const timedRounds = 3;
const warmupSteps = 3;

/** A model, its optimizer and data, trained the way src/training/trainer.ts does: gather a batch, minimize. */
export class StepRunner {
  private readonly optimizer = tf.train.adam(demoLearningRate);
  private readonly random = new Random(seed);
  private order: number[] = [];
  private position = 0;

  constructor(
    readonly model: tf.LayersModel,
    private readonly trainX: tf.Tensor,
    private readonly trainY: tf.Tensor,
  ) {}

  get stepsPerEpoch(): number {
    return Math.ceil(this.trainX.shape[0] / demoBatchSize);
  }

  /** Runs one optimizer step on the next batch and returns its loss. */
  step(): number {
    if (this.position >= this.order.length) {
      this.order = this.random.permutation(this.trainX.shape[0]);
      this.position = 0;
    }
    const indices = this.order.slice(this.position, this.position + demoBatchSize);
    this.position += demoBatchSize;

    const lossTensor = tf.tidy(() => {
      const indexTensor = tf.tensor1d(indices, 'int32');
      const xs = tf.gather(this.trainX, indexTensor);
      const ys = tf.gather(this.trainY, indexTensor);
      const lossFunction = () => lossAndAccuracy('binaryCrossentropy', ys, this.model.apply(xs, { training: true }) as tf.Tensor).loss;
      return this.optimizer.minimize(lossFunction, true) as tf.Scalar;
    });
    const loss = lossTensor.dataSync()[0];
    lossTensor.dispose();
    return loss;
  }

  /**
   * Runs `count` steps and returns their rate in steps per second, from the median step time. The median
   * ignores the slow steps that other processes on a shared machine cause.
   */
  timeSteps(count: number): number {
    const durations: number[] = [];
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      this.step();
      durations.push(performance.now() - started);
    }
    return count === 0 ? 0 : 1000 / median(durations);
  }
}

/** Returns the binary accuracy of `model` on the held-out data, predicting in batches of 256. */
export function heldOutAccuracy(model: tf.LayersModel, data: RecipeData): number {
  if (!data.evalX || !data.evalY) {
    throw new Error('the recipe returned no held-out data, so accuracy cannot be measured');
  }
  const count = data.evalX.shape[0];
  let correct = 0;
  for (let start = 0; start < count; start += 256) {
    const size = Math.min(256, count - start);
    correct += tf.tidy(() => {
      const predictions = model.predict(tf.slice(data.evalX!, start, size)) as tf.Tensor;
      const labels = tf.slice(data.evalY!, start, size);
      return tf.sum(tf.equal(tf.greater(predictions, 0.5), tf.cast(labels, 'bool'))).dataSync()[0];
    });
  }
  return correct / count;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Measures steps/s of `runner` on each backend in alternating rounds and returns the median per backend. */
export async function compareBackends(runner: StepRunner, backends: string[]): Promise<Record<string, number>> {
  const rates: Record<string, number[]> = {};
  for (let round = 0; round < timedRounds; round++) {
    for (const backend of backends) {
      if (!(await tf.setBackend(backend))) {
        throw new Error(`the ${backend} backend failed to initialize`);
      }
      runner.timeSteps(warmupSteps);
      (rates[backend] ??= []).push(runner.timeSteps(timedStepsPerWindow));
    }
  }
  return Object.fromEntries(Object.entries(rates).map(([backend, values]) => [backend, median(values)]));
}

/** Describes the machine for the table, with the 1-minute load average because other work skews timings. */
export function describeMachine(backend: string): string {
  return `${os.cpus().length} cores (load ${os.loadavg()[0].toFixed(1)}), ${backend}`;
}

export async function measure(): Promise<BenchRow[]> {
  await tf.setBackend('wasm');
  const data = await spamEmbeddingRecipe.loadData({ tf, seed });
  const model = spamEmbeddingRecipe.buildModel({ tf, seed, data });
  const runner = new StepRunner(model, data.trainX, data.trainY);

  const rates = await compareBackends(runner, ['cpu', 'wasm']);
  const speedup = rates.wasm / rates.cpu;

  // Accuracy after the demo's full 3 epochs on wasm, counting the timed steps above as part of training.
  await tf.setBackend('wasm');
  const timedSteps = timedRounds * 2 * (warmupSteps + timedStepsPerWindow);
  const remainingSteps = Math.max(0, demoEpochs * runner.stepsPerEpoch - timedSteps);
  runner.timeSteps(remainingSteps);
  const accuracy = heldOutAccuracy(model, data);

  tf.dispose([data.trainX, data.trainY, data.evalX!, data.evalY!]);
  model.dispose();
  return [
    {
      what: 'Embedding spam model: training steps/s, wasm vs cpu',
      baseline: `cpu: ${rates.cpu.toFixed(1)} steps/s`,
      ours: `wasm: ${rates.wasm.toFixed(1)} steps/s (${speedup.toFixed(2)}×)`,
      value: speedup,
      target: '≥ 3×',
      met: speedup >= 3,
      machine: describeMachine('wasm vs cpu, both with the linear UnsortedSegmentSum'),
    },
    {
      what: `Embedding spam model: held-out accuracy after ${demoEpochs} epochs`,
      baseline: '—',
      ours: `${(accuracy * 100).toFixed(1)}%`,
      value: accuracy,
      target: '≥ 90%',
      met: accuracy >= 0.9,
      machine: describeMachine('wasm'),
    },
  ];
}
