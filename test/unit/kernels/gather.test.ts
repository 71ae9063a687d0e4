import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { registerTrainingKernels } from '../../../src/training/kernels';

function makeRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

interface Case {
  name: string;
  xShape: number[];
  indicesShape: number[];
  axis: number;
  batchDims?: number;
  dtype: 'float32' | 'int32' | 'bool';
}

const CASES: Case[] = [
  { name: 'rows of a matrix', xShape: [40, 7], indicesShape: [12], axis: 0, dtype: 'float32' },
  { name: 'int32 rows, matrix indices', xShape: [30, 5], indicesShape: [3, 4], axis: 0, dtype: 'int32' },
  { name: 'middle axis', xShape: [3, 9, 4], indicesShape: [5], axis: 1, dtype: 'float32' },
  { name: 'last axis', xShape: [4, 6], indicesShape: [2, 3], axis: -1, dtype: 'float32' },
  { name: 'bool values', xShape: [10, 3], indicesShape: [6], axis: 0, dtype: 'bool' },
  { name: 'batchDims 1', xShape: [3, 8, 2], indicesShape: [3, 4], axis: 1, batchDims: 1, dtype: 'float32' },
  { name: 'batchDims 1 with outer axis', xShape: [2, 3, 5, 2], indicesShape: [2, 4], axis: 2, batchDims: 1, dtype: 'int32' },
  { name: 'no indices', xShape: [5, 2], indicesShape: [0], axis: 0, dtype: 'float32' },
];

/** Gathers on `backendName` and returns the result's shape and values. */
async function gatherOn(backendName: string, testCase: Case, values: number[], indexValues: number[]): Promise<{ shape: number[]; data: number[] }> {
  await tf.setBackend(backendName);
  const x = tf.tensor(values, testCase.xShape, testCase.dtype);
  const indices = tf.tensor(indexValues, testCase.indicesShape, 'int32');
  const result = tf.gather(x, indices, testCase.axis, testCase.batchDims ?? 0);
  const output = { shape: result.shape, data: Array.from(await result.data()) };
  tf.dispose([x, indices, result]);
  return output;
}

describe('wasm GatherV2 kernel', () => {
  before(() => {
    registerTrainingKernels();
  });

  after(async () => {
    await tf.setBackend('cpu');
  });

  it('matches the cpu backend', async () => {
    for (const [caseIndex, testCase] of CASES.entries()) {
      const random = makeRandom(300 + caseIndex);
      const size = tf.util.sizeFromShape(testCase.xShape);
      const values = Array.from({ length: size }, () => (testCase.dtype === 'float32' ? random() : Math.floor(random() * (testCase.dtype === 'bool' ? 2 : 100))));
      const axis = testCase.axis < 0 ? testCase.xShape.length + testCase.axis : testCase.axis;
      const indexValues = Array.from({ length: tf.util.sizeFromShape(testCase.indicesShape) }, () => Math.floor(random() * testCase.xShape[axis]));

      const onWasm = await gatherOn('wasm', testCase, values, indexValues);
      const onCpu = await gatherOn('cpu', testCase, values, indexValues);
      assert.deepEqual(onWasm.shape, onCpu.shape, `${testCase.name}: shape`);
      assert.deepEqual(onWasm.data, onCpu.data, `${testCase.name}: values`);
    }
  });

  it('rejects out-of-range index', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([4, 2]);
    for (const badIndex of [4, -1]) {
      const indices = tf.tensor1d([0, badIndex], 'int32');
      assert.throws(() => tf.gather(x, indices), new RegExp(`GatherV2: the index value ${badIndex} is not in \\[0, 3\\]`));
      indices.dispose();
    }
    x.dispose();
  });
});
