import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { IMAGE_SIZE } from '@convoy/schemas';

/** The predicted class (argmax) of each of `count` images given as 0–255 pixels, [count, 28, 28]. */
export async function predictBatchClasses(
  model: tfl.LayersModel,
  pixels: Uint8Array,
  count: number,
): Promise<Int32Array> {
  const classes = tf.tidy(() => {
    const images = tf.div(tf.tensor4d(pixels, [count, IMAGE_SIZE, IMAGE_SIZE, 1], 'float32'), 255);
    return tf.argMax(model.predict(images) as tf.Tensor, -1);
  });
  try {
    return (await classes.data()) as Int32Array;
  } finally {
    classes.dispose();
  }
}
