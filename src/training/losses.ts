// Loss and accuracy of a batch for each loss a recipe can choose.
import * as tf from '@tensorflow/tfjs';
import type { RecipeLoss } from './recipes';

export function lossAndAccuracy(kind: RecipeLoss | undefined, labels: tf.Tensor, predictions: tf.Tensor): { loss: tf.Scalar; accuracy?: tf.Scalar } {
  switch (kind ?? 'binaryCrossentropy') {
    case 'binaryCrossentropy':
      return { loss: tf.metrics.binaryCrossentropy(labels, predictions).mean() as tf.Scalar, accuracy: tf.metrics.binaryAccuracy(labels, predictions).mean() as tf.Scalar };
    case 'categoricalCrossentropy':
      return {
        loss: tf.metrics.categoricalCrossentropy(labels, predictions).mean() as tf.Scalar,
        accuracy: tf.metrics.categoricalAccuracy(labels, predictions).mean() as tf.Scalar,
      };
    default:
      return { loss: tf.losses.meanSquaredError(labels, predictions) as tf.Scalar };
  }
}
