// A linear-time UnsortedSegmentSum kernel for the wasm and cpu backends of tfjs 4.22.
//
// The gradient of tf.gather (and so of an Embedding layer) is an UnsortedSegmentSum over the
// gathered rows. The wasm backend has no such kernel, so training an Embedding on wasm fails
// with "Kernel 'UnsortedSegmentSum' not registered". The cpu backend's kernel builds one
// equal/multiply/sum pass over the whole input per segment, which is O(numSegments × input size):
// for a 20 000-word vocabulary that is 20 000 passes per training step. This kernel reads the
// input once and adds each row into its segment, which is O(input size).
import * as tf from '@tensorflow/tfjs';

export const SEGMENT_SUM_KERNEL = 'UnsortedSegmentSum';

/** Backends this module registers its kernel for. Other backends keep their own kernel. */
export const SEGMENT_SUM_BACKENDS = ['cpu', 'wasm'] as const;
export type SegmentSumBackend = (typeof SEGMENT_SUM_BACKENDS)[number];

/**
 * Adds row i of `values` into row `segmentIds[i]` of a zeroed [numSegments, rowSize] array.
 * Rows whose segment id is negative or ≥ numSegments are dropped, as in tf.unsortedSegmentSum.
 */
export function segmentSum(
  values: ArrayLike<number>,
  segmentIds: ArrayLike<number>,
  numSegments: number,
  rowSize: number,
  output: Float32Array | Int32Array,
): void {
  output.fill(0);
  for (let row = 0; row < segmentIds.length; row++) {
    const segment = segmentIds[row];
    if (segment < 0 || segment >= numSegments) {
      continue;
    }
    const from = row * rowSize;
    const to = segment * rowSize;
    for (let k = 0; k < rowSize; k++) {
      output[to + k] += values[from + k];
    }
  }
}

interface SegmentSumArgs {
  inputs: { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  attrs: { numSegments: number };
}

/** The part of the cpu and wasm backends the kernel reads inputs with (tfjs types both as KernelBackend). */
interface ReadableBackend {
  readSync(dataId: tf.DataId): ArrayLike<number>;
}

function computeSegmentSum(args: SegmentSumArgs, backend: ReadableBackend): { shape: number[]; values: Float32Array | Int32Array } {
  const { x, segmentIds } = args.inputs;
  const { numSegments } = args.attrs;

  const idsSize = tf.util.sizeFromShape(segmentIds.shape);
  const rowShape = x.shape.slice(segmentIds.shape.length);
  const rowSize = tf.util.sizeFromShape(rowShape);
  const shape = [numSegments, ...rowShape];
  const size = numSegments * rowSize;
  const values = x.dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);

  if (idsSize > 0 && rowSize > 0) {
    segmentSum(backend.readSync(x.dataId), backend.readSync(segmentIds.dataId), numSegments, rowSize, values);
  }
  return { shape, values };
}

function cpuKernel(args: SegmentSumArgs & { backend: tf.KernelBackend }): tf.TensorInfo {
  const backend = args.backend as unknown as ReadableBackend & {
    makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array | Int32Array): tf.TensorInfo;
  };
  const { shape, values } = computeSegmentSum(args, backend);
  return backend.makeTensorInfo(shape, args.inputs.x.dtype, values);
}

function wasmKernel(args: SegmentSumArgs & { backend: tf.KernelBackend }): tf.TensorInfo {
  const backend = args.backend as unknown as ReadableBackend & {
    makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: Float32Array | Int32Array): tf.TensorInfo;
  };
  const { shape, values } = computeSegmentSum(args, backend);
  return backend.makeOutput(shape, args.inputs.x.dtype, undefined, values);
}

const KERNELS: Record<SegmentSumBackend, tf.KernelFunc> = {
  cpu: cpuKernel as unknown as tf.KernelFunc,
  wasm: wasmKernel as unknown as tf.KernelFunc,
};

/** Original kernels replaced by registerSegmentSumKernel, kept so tests can compare against them. */
const replacedKernels = new Map<SegmentSumBackend, tf.KernelConfig>();

/**
 * Registers the linear-time kernel for `backendName`, replacing the backend's own kernel if it has one.
 * Safe to call more than once, and before or after the backend package is imported.
 */
export function registerSegmentSumKernel(backendName: SegmentSumBackend): void {
  const current = tf.getKernel(SEGMENT_SUM_KERNEL, backendName);
  if (current?.kernelFunc === KERNELS[backendName]) {
    return;
  }
  if (current) {
    replacedKernels.set(backendName, current);
    tf.unregisterKernel(SEGMENT_SUM_KERNEL, backendName);
  }
  tf.registerKernel({ kernelName: SEGMENT_SUM_KERNEL, backendName, kernelFunc: KERNELS[backendName] });
}

/** Registers the kernel for every backend in SEGMENT_SUM_BACKENDS. */
export function registerSegmentSumKernels(): void {
  for (const backendName of SEGMENT_SUM_BACKENDS) {
    registerSegmentSumKernel(backendName);
  }
}

/** Returns the kernel that registerSegmentSumKernel replaced on `backendName`, if any. */
export function replacedSegmentSumKernel(backendName: SegmentSumBackend): tf.KernelConfig | undefined {
  return replacedKernels.get(backendName);
}
