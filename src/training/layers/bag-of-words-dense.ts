// A Dense layer for bag-of-words input given as the vocabulary indices of the words present.
//
// A spam e-mail contains a few hundred distinct words of a vocabulary of thousands, so a dense
// [batch, vocabulary] input is mostly zeros. Dense spends its time multiplying those zeros, because
// both its forward matmul and its kernel gradient cost batch × vocabulary × units. This layer adds up
// the kernel rows of the words present, weighted by their values, so it costs batch × wordsPerRow × units.
//
// The layer has Dense's weights (kernel [vocabulary, units], bias [units]), so its output equals Dense
// applied to the dense form of the input, and setWeights can copy trained weights between the two.
import * as tf from '@tensorflow/tfjs';

/** Index that marks an unused slot at the end of a row of word indices. */
export const PADDING_INDEX = -1;

export type BagOfWordsActivation = 'relu' | 'sigmoid' | 'tanh' | 'linear';

export interface BagOfWordsDenseArgs {
  /** Vocabulary size: the number of rows of the kernel. */
  inputDim: number;
  units: number;
  activation?: BagOfWordsActivation;
  useBias?: boolean;
  /** Seed of the glorotUniform kernel initializer. */
  seed?: number;
  name?: string;
  /** Set by tfjs when a saved model is loaded. */
  trainable?: boolean;
  /** Set by tfjs for the first layer of a Sequential model: [wordsPerRow], usually [null]. */
  inputShape?: tf.Shape;
  batchInputShape?: tf.Shape;
  dtype?: tf.DataType;
}

/**
 * Computes Σ_j values[b, j] · kernel[indices[b, j], :] for each row b, with a gradient for the kernel only
 * (indices and values are data, so they get none). Slots with index PADDING_INDEX are skipped.
 * Without `values` every present word has value 1, as in a binary bag of words.
 *
 * Forward and backward are plain loops over the present words in JavaScript. On wasm (tfjs 4.22) that
 * is faster than tf.gather plus its gradient; the profile behind this is in docs/benchmarks.md.
 */
export function bagOfWordsMatMul(indices: tf.Tensor, values: tf.Tensor | undefined, kernel: tf.Tensor2D): tf.Tensor2D {
  if (indices.rank !== 2) {
    throw new Error(`bagOfWordsMatMul: indices must have shape [batch, wordsPerRow], got [${indices.shape}]`);
  }
  const [batchSize, wordsPerRow] = indices.shape;
  const [vocabularySize, units] = kernel.shape;
  if (values && (values.rank !== 2 || values.shape[0] !== batchSize || values.shape[1] !== wordsPerRow)) {
    throw new Error(`bagOfWordsMatMul: values have shape [${values.shape}], expected the shape of indices [${indices.shape}]`);
  }

  const indexData = indices.dataSync();
  const valueData = values ? values.dataSync() : undefined;
  const words = { indexData, valueData, wordsPerRow, units };

  const multiply = tf.customGrad(((kernelInput: tf.Tensor) => {
    const output = new Float32Array(batchSize * units);
    addWordRows(words, kernelInput.dataSync() as Float32Array, output, vocabularySize);

    const gradFunc = (dy: tf.Tensor): tf.Tensor => {
      const kernelGradient = new Float32Array(vocabularySize * units);
      scatterToWordRows(words, dy.dataSync() as Float32Array, kernelGradient);
      return tf.tensor2d(kernelGradient, [vocabularySize, units]);
    };
    return { value: tf.tensor2d(output, [batchSize, units]), gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return multiply(kernel) as tf.Tensor2D;
}

/** The present words of a batch: slot j of row b has index indexData[b · wordsPerRow + j] and its value. */
interface WordSlots {
  indexData: ArrayLike<number>;
  valueData: ArrayLike<number> | undefined;
  wordsPerRow: number;
  units: number;
}

/**
 * Adds value · kernel[index] into output[row] for every present word (the forward pass), and throws on an index
 * outside [0, vocabularySize) that is not PADDING_INDEX. Checking here, in the one pass over the slots, keeps
 * the check cheap: a separate for...of loop with Number.isInteger took longer than the sums.
 */
function addWordRows(words: WordSlots, kernel: Float32Array, output: Float32Array, vocabularySize: number): void {
  const { indexData, valueData, wordsPerRow, units } = words;
  for (let slot = 0; slot < indexData.length; slot++) {
    const index = indexData[slot];
    if (index === PADDING_INDEX) {
      continue;
    }
    if (!(index >= 0 && index < vocabularySize && Math.floor(index) === index)) {
      throw new Error(
        `bagOfWordsMatMul: word index ${index} is outside the vocabulary [0, ${vocabularySize}). ` +
          `Pad rows with ${PADDING_INDEX}, and check that the model's inputDim matches the tokenizer's vocabulary size.`,
      );
    }
    const value = valueData === undefined ? 1 : valueData[slot];
    addScaledRow(kernel, index * units, output, Math.floor(slot / wordsPerRow) * units, units, value);
  }
}

/** Adds value · dy[row] into gradient[index] for every present word (the kernel gradient). */
function scatterToWordRows(words: WordSlots, dy: Float32Array, gradient: Float32Array): void {
  const { indexData, valueData, wordsPerRow, units } = words;
  for (let slot = 0; slot < indexData.length; slot++) {
    const index = indexData[slot];
    if (index === PADDING_INDEX) {
      continue;
    }
    const value = valueData === undefined ? 1 : valueData[slot];
    addScaledRow(dy, Math.floor(slot / wordsPerRow) * units, gradient, index * units, units, value);
  }
}

/**
 * Adds scale · source[from .. from + length) into target[to .. to + length). The loop is unrolled by 4
 * because V8 in Node 20 does not vectorize it, and unrolling cut its time in a one-off micro-benchmark.
 */
function addScaledRow(source: Float32Array, from: number, target: Float32Array, to: number, length: number, scale: number): void {
  const unrolledEnd = length - (length % 4);
  let k = 0;
  for (; k < unrolledEnd; k += 4) {
    target[to + k] += scale * source[from + k];
    target[to + k + 1] += scale * source[from + k + 1];
    target[to + k + 2] += scale * source[from + k + 2];
    target[to + k + 3] += scale * source[from + k + 3];
  }
  for (; k < length; k++) {
    target[to + k] += scale * source[from + k];
  }
}

/**
 * Inputs: word indices [batch, wordsPerRow] padded with PADDING_INDEX, optionally followed by their values
 * of the same shape (weight 1 each when absent). Output: [batch, units].
 */
export class BagOfWordsDense extends tf.layers.Layer {
  static readonly className = 'BagOfWordsDense';

  private readonly inputDim: number;
  private readonly units: number;
  private readonly activationName: BagOfWordsActivation;
  private readonly useBias: boolean;
  private readonly seed?: number;
  private kernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(args: BagOfWordsDenseArgs) {
    super(args);
    if (!Number.isInteger(args.inputDim) || args.inputDim < 1) {
      throw new Error(`BagOfWordsDense: inputDim must be a positive integer (the vocabulary size), got ${args.inputDim}`);
    }
    if (!Number.isInteger(args.units) || args.units < 1) {
      throw new Error(`BagOfWordsDense: units must be a positive integer, got ${args.units}`);
    }
    this.inputDim = args.inputDim;
    this.units = args.units;
    this.activationName = args.activation ?? 'linear';
    this.useBias = args.useBias ?? true;
    this.seed = args.seed;
  }

  override build(): void {
    this.kernel = this.addWeight('kernel', [this.inputDim, this.units], 'float32', tf.initializers.glorotUniform({ seed: this.seed }));
    if (this.useBias) {
      this.bias = this.addWeight('bias', [this.units], 'float32', tf.initializers.zeros());
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const indicesShape = Array.isArray(inputShape[0]) ? (inputShape as tf.Shape[])[0] : (inputShape as tf.Shape);
    return [indicesShape[0], this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [indices, values] = Array.isArray(inputs) ? inputs : [inputs];
      let output: tf.Tensor = bagOfWordsMatMul(indices, values, this.kernel!.read() as tf.Tensor2D);
      if (this.bias) {
        output = tf.add(output, this.bias.read());
      }
      return applyActivation(output, this.activationName);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {
      ...super.getConfig(),
      inputDim: this.inputDim,
      units: this.units,
      activation: this.activationName,
      useBias: this.useBias,
    };
    if (this.seed !== undefined) {
      config.seed = this.seed;
    }
    return config;
  }
}

function applyActivation(x: tf.Tensor, name: BagOfWordsActivation): tf.Tensor {
  switch (name) {
    case 'relu':
      return tf.relu(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'tanh':
      return tf.tanh(x);
    case 'linear':
      return x;
  }
}

tf.serialization.registerClass(BagOfWordsDense);

/**
 * Converts dense bag-of-words rows (row-major, `vocabularySize` columns) to the word indices of their
 * non-zero entries, padded with PADDING_INDEX to the longest row (at least 1 column). Throws on values
 * other than 0 and 1, because indices alone cannot carry counts. Pass counts as BagOfWordsDense's second input.
 */
export function denseToWordIndices(dense: ArrayLike<number>, vocabularySize: number): { indices: Int32Array; wordsPerRow: number; rowCount: number } {
  if (dense.length % vocabularySize !== 0) {
    throw new Error(`denseToWordIndices: ${dense.length} values do not split into rows of ${vocabularySize}`);
  }
  const rowCount = dense.length / vocabularySize;
  const rows: number[][] = [];
  for (let row = 0; row < rowCount; row++) {
    const present: number[] = [];
    const offset = row * vocabularySize;
    for (let column = 0; column < vocabularySize; column++) {
      const value = dense[offset + column];
      if (value !== 0 && value !== 1) {
        throw new Error(`denseToWordIndices: row ${row} has value ${value} in column ${column}, but only 0 and 1 are supported`);
      }
      if (value === 1) {
        present.push(column);
      }
    }
    rows.push(present);
  }

  const wordsPerRow = Math.max(1, ...rows.map((present) => present.length));
  const indices = new Int32Array(rowCount * wordsPerRow).fill(PADDING_INDEX);
  rows.forEach((present, row) => indices.set(present, row * wordsPerRow));
  return { indices, wordsPerRow, rowCount };
}
