import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { countCorrect, sparseCategoricalCrossentropy } from '@convoy/model';
import type { BatchShard } from './sharded-dropout.js';

export interface ShardGradients {
  /** One gradient per variable, in the variables' order; the caller disposes them. */
  readonly grads: tf.Tensor[];
  /** The shard's share of the batch's mean loss: Σ over the shard / batch size. */
  readonly loss: tf.Scalar;
  readonly correct: tf.Scalar;
}

/**
 * Gradients of the shard's share of the batch loss. Shares add up to the batch's mean loss, so the
 * replicas' gradients add up to the gradient one thread computes for the whole batch.
 */
export function computeShardGradients(
  model: LayersModel,
  variables: readonly tf.Variable[],
  xs: tf.Tensor4D,
  ys: tf.Tensor1D,
  shard: BatchShard,
): ShardGradients {
  let correct: tf.Scalar | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const probabilities = model.apply(xs, { training: true }) as tf.Tensor2D;
    correct = tf.keep(countCorrect(ys, probabilities));
    const mean = sparseCategoricalCrossentropy(ys, probabilities);
    return shard.size === shard.batchSize ? mean : tf.mul(mean, shard.size / shard.batchSize);
  }, variables as tf.Variable[]);
  const ordered = variables.map((variable) => {
    const grad = grads[variable.name];
    if (grad === undefined) throw new Error(`no gradient for variable ${variable.name}`);
    return grad;
  });
  return { grads: ordered, loss: value, correct: correct as unknown as tf.Scalar };
}
