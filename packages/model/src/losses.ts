import * as tf from '@tensorflow/tfjs-core';
import { NUM_CLASSES } from '@convoy/schemas';

/** Keras's sparse categorical cross-entropy on probabilities: mean of −log(clip(p[label])). */
export function sparseCategoricalCrossentropy(
  labels: tf.Tensor1D,
  probabilities: tf.Tensor2D,
): tf.Scalar {
  return tf.tidy(() => {
    const epsilon = 1e-7;
    const clipped = tf.clipByValue(probabilities, epsilon, 1 - epsilon);
    const oneHot = tf.oneHot(tf.cast(labels, 'int32'), probabilities.shape[1] ?? NUM_CLASSES);
    const loss = tf.neg(tf.mean<tf.Scalar>(tf.sum(tf.mul(oneHot, tf.log(clipped)), -1)));
    // wasm's clip maps NaN to the lower bound, which would hide a diverged model behind a finite
    // loss; adding 0 × Σp lets NaN and ∞ through and changes nothing else.
    return tf.add(loss, tf.mul(tf.sum(probabilities), 0));
  });
}

export function countCorrect(labels: tf.Tensor1D, probabilities: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() =>
    tf.sum<tf.Scalar>(
      tf.cast(tf.equal(tf.argMax(probabilities, -1), tf.cast(labels, 'int32')), 'float32'),
    ),
  );
}
