import * as tf from '@tensorflow/tfjs-core';
import { IMAGE_SIZE } from './image-set.js';
import type { ImageSet } from './image-set.js';

const PIXEL_MAX = 255;

/** The images as a float32 [count, 28, 28, 1] tensor scaled to [0, 1] (the seed's `/255`). */
export function imagesToTensor(set: ImageSet): tf.Tensor4D {
  return tf.tidy(() =>
    tf.div(tf.tensor4d(set.images, [set.count, IMAGE_SIZE, IMAGE_SIZE, 1], 'float32'), PIXEL_MAX),
  );
}

/** The labels as float32 class ids, as sparse categorical cross-entropy expects. */
export function labelsToTensor(set: ImageSet): tf.Tensor1D {
  return tf.tensor1d(set.labels, 'float32');
}
