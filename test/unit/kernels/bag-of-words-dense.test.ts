import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { BagOfWordsDense, bagOfWordsMatMul, denseToWordIndices, PADDING_INDEX } from '../../../src/training/layers/bag-of-words-dense';

function makeRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Random binary bag-of-words rows, row-major, with about `density` of the entries set. */
function makeBinaryRows(rowCount: number, vocabularySize: number, density: number, seed: number): Float32Array {
  const random = makeRandom(seed);
  return Float32Array.from({ length: rowCount * vocabularySize }, () => (random() < density ? 1 : 0));
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= 1e-4 * (1 + Math.abs(expected[i])), `${label}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

describe('BagOfWordsDense', () => {
  after(async () => {
    await tf.setBackend('cpu');
  });

  for (const backendName of ['cpu', 'wasm']) {
    it(`matches dense matmul on ${backendName}`, async () => {
      assert.ok(await tf.setBackend(backendName), `the ${backendName} backend failed to initialize`);
      const vocabularySize = 40;
      const units = 5;
      const dense = makeBinaryRows(6, vocabularySize, 0.2, 1);
      const { indices, wordsPerRow, rowCount } = denseToWordIndices(dense, vocabularySize);
      const random = makeRandom(2);
      const kernel = tf.tensor2d(Float32Array.from({ length: vocabularySize * units }, () => random() - 0.5), [vocabularySize, units]);
      const denseInput = tf.tensor2d(dense, [rowCount, vocabularySize]);
      const indexInput = tf.tensor2d(indices, [rowCount, wordsPerRow], 'int32');
      const upstream = tf.randomNormal([rowCount, units], 0, 1, 'float32', 3);

      const expected = tf.matMul(denseInput, kernel);
      const actual = bagOfWordsMatMul(indexInput, undefined, kernel);
      assertClose(await actual.data(), await expected.data(), 'output');

      const expectedGradient = tf.grad((k: tf.Tensor) => tf.sum(tf.mul(tf.matMul(denseInput, k as tf.Tensor2D), upstream)))(kernel);
      const actualGradient = tf.grad((k: tf.Tensor) => tf.sum(tf.mul(bagOfWordsMatMul(indexInput, undefined, k as tf.Tensor2D), upstream)))(kernel);
      assertClose(await actualGradient.data(), await expectedGradient.data(), 'kernel gradient');
      assert.ok((await actualGradient.data()).some((value) => value !== 0), 'the kernel gradient is all zeros');

      tf.dispose([kernel, denseInput, indexInput, upstream, expected, actual, expectedGradient, actualGradient]);
    });
  }

  it('weights words by values', async () => {
    await tf.setBackend('cpu');
    const kernel = tf.tensor2d([1, 10, 2, 20, 3, 30, 4, 40], [4, 2]);
    const indices = tf.tensor2d([[0, 3, PADDING_INDEX], [2, 2, 1]], [2, 3], 'int32');
    const values = tf.tensor2d([[2, 0.5, 7], [1, 1, 0]], [2, 3]);

    const output = bagOfWordsMatMul(indices, values, kernel);
    // Row 0: 2·[1, 10] + 0.5·[4, 40], and the padded slot's value 7 is ignored. Row 1: [3, 30] twice, word 1 has value 0.
    assertClose(await output.data(), [4, 40, 6, 60], 'weighted output');

    const gradient = tf.grad((k: tf.Tensor) => tf.sum(bagOfWordsMatMul(indices, values, k as tf.Tensor2D)))(kernel);
    assertClose(await gradient.data(), [2, 2, 0, 0, 2, 2, 0.5, 0.5], 'weighted gradient');
    tf.dispose([kernel, indices, values, output, gradient]);
  });

  it('rejects index outside vocabulary', () => {
    const kernel = tf.zeros([3, 2]) as tf.Tensor2D;
    for (const badIndex of [3, -2, 1.5]) {
      const indices = tf.tensor2d([[0, badIndex]], [1, 2]);
      assert.throws(() => bagOfWordsMatMul(indices, undefined, kernel), new RegExp(`word index ${badIndex} is outside the vocabulary \\[0, 3\\)`));
      indices.dispose();
    }
    kernel.dispose();
  });

  it('rejects values of another shape', () => {
    const kernel = tf.zeros([3, 2]) as tf.Tensor2D;
    const indices = tf.tensor2d([[0, 1]], [1, 2], 'int32');
    const values = tf.ones([1, 3]);
    assert.throws(() => bagOfWordsMatMul(indices, values, kernel), /values have shape \[1,3\], expected the shape of indices \[1,2\]/);
    tf.dispose([kernel, indices, values]);
  });

  it('denseToWordIndices pads rows', () => {
    const dense = [0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0];
    const { indices, wordsPerRow, rowCount } = denseToWordIndices(dense, 4);
    assert.equal(rowCount, 3);
    assert.equal(wordsPerRow, 2);
    assert.deepEqual(Array.from(indices), [1, 2, PADDING_INDEX, PADDING_INDEX, 0, PADDING_INDEX]);
  });

  it('denseToWordIndices rejects counts', () => {
    assert.throws(() => denseToWordIndices([0, 2, 0, 1], 4), /row 0 has value 2 in column 1, but only 0 and 1 are supported/);
    assert.throws(() => denseToWordIndices([0, 1, 0], 2), /3 values do not split into rows of 2/);
  });

  it('takes weights of a Dense model', async () => {
    await tf.setBackend('cpu');
    const vocabularySize = 30;
    const dense = makeBinaryRows(5, vocabularySize, 0.3, 6);
    const { indices, wordsPerRow, rowCount } = denseToWordIndices(dense, vocabularySize);
    const denseModel = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [vocabularySize], units: 4, activation: 'relu' }), tf.layers.dense({ units: 1, activation: 'sigmoid' })],
    });
    const sparseModel = tf.sequential({
      layers: [
        new BagOfWordsDense({ inputShape: [null], inputDim: vocabularySize, units: 4, activation: 'relu' }),
        tf.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    sparseModel.setWeights(denseModel.getWeights());

    const denseInput = tf.tensor2d(dense, [rowCount, vocabularySize]);
    const indexInput = tf.tensor2d(indices, [rowCount, wordsPerRow], 'int32');
    const expected = denseModel.predict(denseInput) as tf.Tensor;
    const actual = sparseModel.predict(indexInput) as tf.Tensor;
    assertClose(await actual.data(), await expected.data(), 'predictions');

    tf.dispose([denseInput, indexInput, expected, actual]);
    denseModel.dispose();
    sparseModel.dispose();
  });

  it('trains, saves and loads on wasm', async () => {
    await tf.setBackend('wasm');
    const vocabularySize = 50;
    const rowCount = 96;
    // Label 1 when a row contains any of words 0–4, which rows of label 0 never contain.
    const dense = makeBinaryRows(rowCount, vocabularySize, 0.1, 4);
    const labels = new Float32Array(rowCount);
    for (let row = 0; row < rowCount; row++) {
      for (let column = 0; column < 5; column++) {
        dense[row * vocabularySize + column] = 0;
      }
      labels[row] = row % 2;
      if (row % 2 === 1) {
        dense[row * vocabularySize + (row % 5)] = 1;
      }
    }
    const { indices, wordsPerRow } = denseToWordIndices(dense, vocabularySize);
    const xs = tf.tensor2d(indices, [rowCount, wordsPerRow], 'int32');
    const ys = tf.tensor2d(labels, [rowCount, 1]);

    const model = tf.sequential({
      layers: [
        new BagOfWordsDense({ inputShape: [null], inputDim: vocabularySize, units: 8, activation: 'relu', seed: 5 }),
        tf.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const history = await model.fit(xs, ys, { epochs: 25, batchSize: 32, verbose: 0 });
    const losses = history.history.loss as number[];
    const accuracy = history.history.acc as number[];
    assert.equal(tf.getBackend(), 'wasm');
    assert.ok(losses[losses.length - 1] < losses[0] / 2, `loss went from ${losses[0]} to ${losses[losses.length - 1]}`);
    assert.ok(accuracy[accuracy.length - 1] >= 0.95, `accuracy is ${accuracy[accuracy.length - 1]}`);

    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    assert.ok(saved, 'the model was not saved');
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved));
    const before = model.predict(xs) as tf.Tensor;
    const after = loaded.predict(xs) as tf.Tensor;
    assertClose(await after.data(), await before.data(), 'predictions after loading');

    tf.dispose([xs, ys, before, after]);
    model.dispose();
    loaded.dispose();
  });
});
