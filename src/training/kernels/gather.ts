// A GatherV2 kernel for the wasm backend that copies whole slices with TypedArray.set.
//
// tfjs 4.22's wasm GatherV2 computes strides for every element in C++. In the spam demo's training
// step, gathering a batch of 32 rows took 1.2–2.4 ms on wasm, about a quarter of the kernel time
// (profile in docs/benchmarks.md). Rows are contiguous in memory, so this kernel copies each gathered
// slice in one call. It also handles batchDims > 0, where tfjs 4.22's wasm kernel returns wrong values
// (the test compares both with the cpu backend). String tensors still go to the original kernel.
import * as tf from '@tensorflow/tfjs';

const GATHER_KERNEL = 'GatherV2';

/** The parts of tfjs-backend-wasm's BackendWasm this kernel uses. */
interface WasmBackend {
  readSync(dataId: tf.DataId): ArrayLike<number>;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

interface GatherArgs {
  inputs: { x: tf.TensorInfo; indices: tf.TensorInfo };
  attrs: { axis: number; batchDims: number };
  backend: tf.KernelBackend;
}

let originalKernel: tf.KernelConfig | undefined;

function gatherSlices(args: GatherArgs): tf.TensorInfo {
  const { x, indices } = args.inputs;
  if (x.dtype === 'string' || x.dtype === 'complex64') {
    return originalKernel!.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  }
  const backend = args.backend as unknown as WasmBackend;
  const axis = tf.util.parseAxisParam(args.attrs.axis, x.shape)[0];
  const dimSize = x.shape[axis];
  const indexValues = backend.readSync(indices.dataId);
  for (let i = 0; i < indexValues.length; i++) {
    const index = indexValues[i];
    if (!(index >= 0 && index < dimSize)) {
      // The same message as tfjs's own kernels.
      throw new Error(`GatherV2: the index value ${index} is not in [0, ${dimSize - 1}]`);
    }
  }

  // x is [batch..., outer..., dim, slice...] and indices [batch..., rest...], with batchDims batch axes.
  const batchDims = args.attrs.batchDims;
  const batchSize = tf.util.sizeFromShape(x.shape.slice(0, batchDims));
  const outerSize = tf.util.sizeFromShape(x.shape.slice(batchDims, axis));
  const sliceSize = tf.util.sizeFromShape(x.shape.slice(axis + 1));
  const outputShape = [...x.shape.slice(0, axis), ...indices.shape.slice(batchDims), ...x.shape.slice(axis + 1)];
  const output = backend.makeOutput(outputShape, x.dtype);
  if (tf.util.sizeFromShape(outputShape) === 0) {
    return output;
  }

  // Views of the wasm heap are taken after makeOutput, because allocating can grow (and move) the heap.
  const source = backend.typedArrayFromHeap(x);
  const target = backend.typedArrayFromHeap(output);
  const indicesPerBatch = indexValues.length / batchSize;
  let to = 0;
  for (let batch = 0; batch < batchSize; batch++) {
    for (let outer = 0; outer < outerSize; outer++) {
      const sourceBase = (batch * outerSize + outer) * dimSize;
      for (let i = 0; i < indicesPerBatch; i++) {
        const from = (sourceBase + indexValues[batch * indicesPerBatch + i]) * sliceSize;
        target.set(source.subarray(from, from + sliceSize), to);
        to += sliceSize;
      }
    }
  }
  return output;
}

/**
 * Registers the slice-copying GatherV2 for the wasm backend in place of its own, which it keeps for the
 * cases it does not handle. Safe to call more than once. The wasm backend package must be imported first.
 */
export function registerWasmGatherKernel(): void {
  const current = tf.getKernel(GATHER_KERNEL, 'wasm');
  if (!current) {
    throw new Error('registerWasmGatherKernel: the wasm backend has no GatherV2 kernel. Import @tensorflow/tfjs-backend-wasm first.');
  }
  if (current.kernelFunc === (gatherSlices as unknown as tf.KernelFunc)) {
    return;
  }
  originalKernel = current;
  tf.unregisterKernel(GATHER_KERNEL, 'wasm');
  tf.registerKernel({ kernelName: GATHER_KERNEL, backendName: 'wasm', setupFunc: current.setupFunc, kernelFunc: gatherSlices as unknown as tf.KernelFunc });
}
