import * as tf from '@tensorflow/tfjs-core';
import { NUM_CLASSES } from '@convoy/schemas';
import { InvalidTrainingDataError } from './errors.js';

export interface LabelledTensors {
  /** Images, [N, 28, 28, 1] in [0, 1]. */
  readonly xs: tf.Tensor4D;
  /** Class ids as float32, [N]. */
  readonly ys: tf.Tensor1D;
}

/** Rejects data that would train to NaN or crash mid-epoch: wrong shapes, non-finite or out-of-range values, bad labels. */
export function validateLabelledTensors(data: LabelledTensors, role: string): void {
  const [count, height, width, channels] = data.xs.shape;
  if (height !== 28 || width !== 28 || channels !== 1) {
    throw new InvalidTrainingDataError(
      `${role} images must be [N, 28, 28, 1], got [${data.xs.shape.join(', ')}]`,
    );
  }
  if (data.ys.shape[0] !== count || count === 0) {
    throw new InvalidTrainingDataError(
      `${role} set has ${count} images and ${data.ys.shape[0]} labels`,
    );
  }
  const [imageMin, imageMax, labelMin, labelMax, badLabels] = tf.tidy(() =>
    [
      tf.min(data.xs),
      tf.max(data.xs),
      tf.min(data.ys),
      tf.max(data.ys),
      tf.sum(tf.cast(tf.notEqual(data.ys, tf.round(data.ys)), 'int32')),
    ].map((tensor) => tensor.dataSync()[0] ?? Number.NaN),
  ) as [number, number, number, number, number];
  // NaN fails every comparison, so these checks also catch NaN and infinities.
  if (!(imageMin >= 0 && imageMax <= 1)) {
    throw new InvalidTrainingDataError(
      `${role} pixels must be finite numbers in [0, 1], found values from ${imageMin} to ${imageMax}`,
    );
  }
  if (!(labelMin >= 0 && labelMax < NUM_CLASSES) || badLabels !== 0) {
    throw new InvalidTrainingDataError(
      `${role} labels must be integers 0–${NUM_CLASSES - 1}, found values from ${labelMin} to ${labelMax}`,
    );
  }
}
