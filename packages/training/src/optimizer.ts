import * as tf from '@tensorflow/tfjs-core';
import type { TrainingParams } from '@convoy/schemas';

/** Keras's optimizers with Keras's defaults (epsilon 1e-7; RMSprop's rho 0.9). */
export function createOptimizer(config: TrainingParams['optimizer']): tf.Optimizer {
  switch (config.name) {
    case 'adam':
      return tf.train.adam(config.learningRate, 0.9, 0.999, 1e-7);
    case 'sgd':
      return tf.train.sgd(config.learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(config.learningRate, 0.9, 0, 1e-7);
  }
}
