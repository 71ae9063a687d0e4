// Kernels that make training on tfjs 4.22's wasm and cpu backends work or run faster.
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmGatherKernel } from './gather';
import { registerSegmentSumKernels } from './unsorted-segment-sum';

export { registerWasmGatherKernel } from './gather';
export { registerSegmentSumKernel, registerSegmentSumKernels, replacedSegmentSumKernel, segmentSum } from './unsorted-segment-sum';

/** Registers every kernel of this folder. Safe to call more than once, before or after tf.setBackend. */
export function registerTrainingKernels(): void {
  registerSegmentSumKernels();
  registerWasmGatherKernel();
}
