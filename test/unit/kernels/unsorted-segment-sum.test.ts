import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  registerSegmentSumKernels,
  replacedSegmentSumKernel,
  segmentSum,
  SEGMENT_SUM_KERNEL,
} from '../../../src/training/kernels/unsorted-segment-sum';

/** A small deterministic generator, so a failing case can be reproduced from its seed. */
function makeRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Computes tf.unsortedSegmentSum from its definition, one segment at a time. */
function referenceSegmentSum(values: number[], ids: number[], numSegments: number, rowSize: number): number[] {
  const output: number[] = [];
  for (let segment = 0; segment < numSegments; segment++) {
    for (let k = 0; k < rowSize; k++) {
      let total = 0;
      ids.forEach((id, row) => {
        if (id === segment) {
          total += values[row * rowSize + k];
        }
      });
      output.push(total);
    }
  }
  return output;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= 1e-4 * (1 + Math.abs(expected[i])), `${label}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

interface Case {
  name: string;
  idsShape: number[];
  rowShape: number[];
  numSegments: number;
  /** Range of generated ids, which may reach outside [0, numSegments). */
  idRange: [number, number];
  dtype: 'float32' | 'int32';
}

const CASES: Case[] = [
  { name: 'vector ids, 2-D rows', idsShape: [12], rowShape: [5], numSegments: 7, idRange: [0, 7], dtype: 'float32' },
  { name: 'matrix ids', idsShape: [3, 4], rowShape: [2, 3], numSegments: 6, idRange: [0, 6], dtype: 'float32' },
  { name: 'scalar rows', idsShape: [9], rowShape: [], numSegments: 4, idRange: [0, 4], dtype: 'float32' },
  { name: 'negative and too-large ids', idsShape: [20], rowShape: [3], numSegments: 5, idRange: [-3, 9], dtype: 'float32' },
  { name: 'int32 values', idsShape: [10], rowShape: [4], numSegments: 3, idRange: [-1, 4], dtype: 'int32' },
  { name: 'more segments than rows', idsShape: [3], rowShape: [2], numSegments: 50, idRange: [0, 50], dtype: 'float32' },
  { name: 'no rows', idsShape: [0], rowShape: [3], numSegments: 4, idRange: [0, 4], dtype: 'float32' },
];

function makeInputs(testCase: Case, seed: number): { values: number[]; ids: number[]; rowSize: number } {
  const random = makeRandom(seed);
  const idCount = tf.util.sizeFromShape(testCase.idsShape);
  const rowSize = tf.util.sizeFromShape(testCase.rowShape);
  const [low, high] = testCase.idRange;
  const ids = Array.from({ length: idCount }, () => low + Math.floor(random() * (high - low)));
  const values = Array.from({ length: idCount * rowSize }, () =>
    testCase.dtype === 'int32' ? Math.floor(random() * 20) - 10 : random() * 2 - 1,
  );
  return { values, ids, rowSize };
}

/** Runs the cpu backend's own kernel, which registerSegmentSumKernels replaced, on the same inputs. */
async function runOriginalCpuKernel(original: tf.KernelConfig, values: number[], ids: number[], testCase: Case): Promise<number[]> {
  await tf.setBackend('cpu');
  const backend = tf.backend() as unknown as { readSync(dataId: object): ArrayLike<number> };
  const x = tf.tensor(values, [...testCase.idsShape, ...testCase.rowShape], testCase.dtype);
  const segmentIds = tf.tensor(ids, testCase.idsShape, 'int32');
  const output = original.kernelFunc({
    inputs: { x, segmentIds },
    attrs: { numSegments: testCase.numSegments },
    backend: tf.backend(),
  }) as tf.TensorInfo;
  const expected = Array.from(backend.readSync(output.dataId));
  tf.dispose([x, segmentIds]);
  tf.backend().disposeData(output.dataId);
  return expected;
}

describe('UnsortedSegmentSum kernel', () => {
  before(async () => {
    // The cpu backend's own kernel is captured when the new one replaces it, so it can serve as a reference.
    registerSegmentSumKernels();
    assert.ok(await tf.setBackend('wasm'), 'the wasm backend failed to initialize');
  });

  after(async () => {
    await tf.setBackend('cpu');
  });

  it('segmentSum matches the definition', () => {
    for (const [index, testCase] of CASES.entries()) {
      const { values, ids, rowSize } = makeInputs(testCase, 100 + index);
      const output = new Float32Array(testCase.numSegments * rowSize);
      segmentSum(values, ids, testCase.numSegments, rowSize, output);
      assertClose(output, referenceSegmentSum(values, ids, testCase.numSegments, rowSize), testCase.name);
    }
  });

  for (const backendName of ['cpu', 'wasm']) {
    it(`${backendName} kernel matches tfjs cpu kernel`, async () => {
      const original = replacedSegmentSumKernel('cpu');
      assert.ok(original, 'the original cpu kernel was not captured');

      for (const [index, testCase] of CASES.entries()) {
        const { values, ids, rowSize } = makeInputs(testCase, 200 + index);
        await tf.setBackend(backendName);
        assert.equal(tf.getKernel(SEGMENT_SUM_KERNEL, backendName)?.kernelFunc === original.kernelFunc, false);

        const x = tf.tensor(values, [...testCase.idsShape, ...testCase.rowShape], testCase.dtype);
        const segmentIds = tf.tensor(ids, testCase.idsShape, 'int32');
        // The op's type admits only 1-D ids, but TensorFlow and both kernels accept any leading part of x's shape.
        const result = tf.unsortedSegmentSum(x, segmentIds as tf.Tensor1D, testCase.numSegments);
        assert.deepEqual(result.shape, [testCase.numSegments, ...testCase.rowShape], `${testCase.name}: shape`);
        assert.equal(result.dtype, testCase.dtype, `${testCase.name}: dtype`);
        const actual = await result.data();

        // tfjs 4.22's own cpu kernel throws a broadcast error for ids of rank > 1, so those cases use the definition.
        const expected =
          testCase.idsShape.length === 1
            ? await runOriginalCpuKernel(original, values, ids, testCase)
            : referenceSegmentSum(values, ids, testCase.numSegments, rowSize);
        assertClose(actual, expected, `${testCase.name} on ${backendName}`);
        tf.dispose([x, segmentIds, result]);
      }
    });
  }

  it('embedding gradient on wasm matches cpu', async () => {
    const random = makeRandom(7);
    const vocabulary = 30;
    const width = 6;
    const tableValues = Array.from({ length: vocabulary * width }, () => random() - 0.5);
    const indexValues = Array.from({ length: 4 * 9 }, () => Math.floor(random() * vocabulary));
    const upstreamValues = Array.from({ length: 4 * 9 * width }, () => random() - 0.5);

    async function gradientOn(backendName: string): Promise<Float32Array> {
      await tf.setBackend(backendName);
      const table = tf.tensor2d(tableValues, [vocabulary, width]);
      const indices = tf.tensor2d(indexValues, [4, 9], 'int32');
      const upstream = tf.tensor3d(upstreamValues, [4, 9, width]);
      const gradient = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, indices), upstream)))(table);
      const data = (await gradient.data()) as Float32Array;
      tf.dispose([table, indices, upstream, gradient]);
      return data;
    }

    const onWasm = await gradientOn('wasm');
    const onCpu = await gradientOn('cpu');
    assertClose(onWasm, onCpu, 'embedding gradient');
    assert.ok(onWasm.some((value) => value !== 0), 'the gradient is all zeros');
  });

  it('Embedding model trains on wasm', async () => {
    await tf.setBackend('wasm');
    const random = makeRandom(11);
    // Label 1 when the sequence contains word 1, which no sequence of label 0 does.
    const sequences: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < 128; i++) {
      const label = i % 2;
      const sequence = Array.from({ length: 8 }, () => 2 + Math.floor(random() * 18));
      if (label === 1) {
        sequence[Math.floor(random() * 8)] = 1;
      }
      sequences.push(sequence);
      labels.push(label);
    }

    const model = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 20, outputDim: 8, inputLength: 8 }),
        tf.layers.globalAveragePooling1d(),
        tf.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const xs = tf.tensor2d(sequences, [128, 8], 'int32');
    const ys = tf.tensor2d(labels, [128, 1]);

    const history = await model.fit(xs, ys, { epochs: 30, batchSize: 32, verbose: 0 });
    const losses = history.history.loss as number[];
    const accuracy = history.history.acc as number[];
    assert.equal(tf.getBackend(), 'wasm');
    assert.ok(losses[losses.length - 1] < losses[0] / 2, `loss went from ${losses[0]} to ${losses[losses.length - 1]}`);
    assert.ok(accuracy[accuracy.length - 1] >= 0.95, `accuracy is ${accuracy[accuracy.length - 1]}`);

    tf.dispose([xs, ys]);
    model.dispose();
  });
});
