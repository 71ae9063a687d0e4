// Copies model and optimizer state out of the tfjs backend, which is the only part of a save that training
// waits for. Turns those copies into the files of a checkpoint or backup, and loads such files back.
import * as tf from '@tensorflow/tfjs';
import type { FileToWrite } from '../core';

/** Model weights in tfjs layers format, copied out of the backend. */
export interface ModelSnapshot {
  modelJson: string;
  weights: Uint8Array;
}

export interface OptimizerSnapshot {
  json: string;
  weights: Uint8Array;
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
}

/** Captures model.json and weights.bin through a tf.io IOHandler that keeps the bytes in memory. */
export async function snapshotModel(model: tf.LayersModel): Promise<ModelSnapshot> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save({
    save: async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
  });
  if (!captured?.weightData || !captured.weightSpecs) {
    throw new Error('tfjs returned no weights when saving the model');
  }
  const weights = new Uint8Array(tf.io.concatenateArrayBuffers(captured.weightData as ArrayBuffer | ArrayBuffer[]));
  const modelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    modelTopology: captured.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: captured.weightSpecs }],
  };
  return { modelJson: JSON.stringify(modelJson), weights };
}

/** Copies the optimizer's weights (iterations first, then its slots) and its config out of the backend. */
export async function snapshotOptimizer(optimizer: tf.Optimizer): Promise<OptimizerSnapshot> {
  const named = await optimizer.getWeights();
  const specs: WeightSpec[] = [];
  const chunks: Uint8Array[] = [];
  for (const { name, tensor } of named) {
    const values = await tensor.data();
    specs.push({ name, shape: tensor.shape, dtype: tensor.dtype === 'int32' ? 'int32' : 'float32' });
    chunks.push(new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)));
  }
  tf.dispose(named[0]?.tensor); // the iterations scalar is a fresh tensor; the slots belong to the optimizer

  // Adam keeps beta1^t and beta2^t in variables that each step multiplies. Its setWeights() recomputes them with
  // pow(), which can differ in the last bit, so they are saved as they are.
  const adam = optimizer as unknown as { accBeta1?: tf.Variable; accBeta2?: tf.Variable };
  const extra: Record<string, number> = {};
  if (adam.accBeta1 && adam.accBeta2) {
    extra.accBeta1 = (await adam.accBeta1.data())[0];
    extra.accBeta2 = (await adam.accBeta2.data())[0];
  }
  const json = { className: optimizer.getClassName(), config: optimizer.getConfig(), weights: specs, extra };
  return { json: JSON.stringify(json), weights: concatBytes(chunks) };
}

function concatBytes(chunks: Uint8Array[]): Uint8Array {
  const total = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  const result = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    result.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return result;
}

export function modelFiles(snapshot: ModelSnapshot, tokenizer: unknown): FileToWrite[] {
  const files: FileToWrite[] = [
    { name: 'model.json', data: snapshot.modelJson },
    { name: 'weights.bin', data: snapshot.weights },
  ];
  if (tokenizer !== undefined) {
    files.push({ name: 'tokenizer.json', data: JSON.stringify(tokenizer) });
  }
  return files;
}

function decode(bytes: Uint8Array, specs: WeightSpec[]): tf.NamedTensorMap {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return tf.io.decodeWeights(buffer, specs);
}

/**
 * Loads model.json + weights.bin bytes into `model`. Throws a message starting with the first difference
 * when the saved weights do not have the count or shapes of the model's weights.
 */
export function loadModelWeights(model: tf.LayersModel, modelJsonText: string, weightBytes: Uint8Array): void {
  const modelJson = JSON.parse(modelJsonText) as { weightsManifest?: Array<{ weights: WeightSpec[] }> };
  const specs = (modelJson.weightsManifest ?? []).flatMap((group) => group.weights);
  const expected = model.weights;
  if (specs.length !== expected.length) {
    throw new ShapeMismatchError(`it has ${specs.length} weight tensors, but the model has ${expected.length}`);
  }
  specs.forEach((spec, i) => {
    if (spec.shape.join(',') !== expected[i].shape.join(',')) {
      throw new ShapeMismatchError(
        `weight "${spec.name}" has shape [${spec.shape.join(', ')}], but the model's "${expected[i].name}" has [${expected[i].shape.join(', ')}]`,
      );
    }
  });
  const byteLength = specs.reduce((sum, spec) => sum + spec.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (byteLength !== weightBytes.byteLength) {
    throw new ShapeMismatchError(`weights.bin has ${weightBytes.byteLength} bytes, but model.json describes ${byteLength}`);
  }
  const tensors = decode(weightBytes, specs);
  model.setWeights(specs.map((spec) => tensors[spec.name]));
  tf.dispose(Object.values(tensors));
}

/** Loads optimizer.json + optimizer.bin into `optimizer`, whose slots must match `model`'s trainable weights. */
export async function loadOptimizerState(
  optimizer: tf.Optimizer,
  model: tf.LayersModel,
  jsonText: string,
  bytes: Uint8Array,
): Promise<void> {
  const saved = JSON.parse(jsonText) as { className: string; weights: WeightSpec[]; extra?: Record<string, number> };
  if (saved.className !== optimizer.getClassName()) {
    throw new ShapeMismatchError(`it was saved by ${saved.className}, but the training code uses ${optimizer.getClassName()}`);
  }
  const slots = saved.weights.slice(1);
  const trainable = model.trainableWeights;
  const slotsPerWeight = trainable.length === 0 ? 0 : slots.length / trainable.length;
  if (!Number.isInteger(slotsPerWeight) || (trainable.length === 0) !== (slots.length === 0)) {
    throw new ShapeMismatchError(`it has ${slots.length} slot tensors for ${trainable.length} trainable weights`);
  }
  slots.forEach((spec, i) => {
    const weight = trainable[i % trainable.length];
    if (spec.shape.join(',') !== weight.shape.join(',')) {
      throw new ShapeMismatchError(
        `slot "${spec.name}" has shape [${spec.shape.join(', ')}], but weight "${weight.name}" has [${weight.shape.join(', ')}]`,
      );
    }
  });

  const tensors = decode(bytes, saved.weights);
  await optimizer.setWeights(saved.weights.map((spec) => ({ name: spec.name, tensor: tensors[spec.name] })));
  tf.dispose(Object.values(tensors));

  const adam = optimizer as unknown as { accBeta1?: tf.Variable; accBeta2?: tf.Variable };
  if (adam.accBeta1 && adam.accBeta2 && saved.extra?.accBeta1 !== undefined && saved.extra.accBeta2 !== undefined) {
    adam.accBeta1.assign(tf.scalar(saved.extra.accBeta1));
    adam.accBeta2.assign(tf.scalar(saved.extra.accBeta2));
  }
}

/** Saved weights whose names, count or shapes differ from what the training code builds. */
export class ShapeMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShapeMismatchError';
  }
}
