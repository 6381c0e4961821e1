import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

/** Rows `[offset, offset + size)` of a batch of `batchSize`, computed by one replica. */
export interface BatchShard {
  readonly offset: number;
  readonly size: number;
  readonly batchSize: number;
}

interface DropoutLayer {
  rate: number;
  seed?: number;
  call: (inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }) => tf.Tensor;
}

const isDropout = (layer: { getClassName(): string }) => layer.getClassName() === 'Dropout';

/**
 * Makes every dropout layer draw the mask of the whole batch and keep the shard's rows of it, so a
 * replica training rows 16–31 drops exactly the units single-threaded training drops for those rows
 * (tf.dropout fills its mask row by row from the seed, so the mask of a full batch is what one
 * thread uses). `null` puts tfjs's own dropout back.
 */
export function setDropoutShard(model: LayersModel, shard: BatchShard | null): void {
  for (const layer of model.layers.filter(isDropout)) {
    const dropout = layer as unknown as DropoutLayer;
    if (shard === null) {
      delete (dropout as Partial<DropoutLayer>).call; // falls back to Dropout.prototype.call
      continue;
    }
    dropout.call = (inputs, kwargs) =>
      tf.tidy(() => {
        const input = Array.isArray(inputs) ? inputs[0] : inputs;
        if (input === undefined) throw new Error(`dropout layer ${layer.name} got no input`);
        if (!kwargs.training || !(dropout.rate > 0 && dropout.rate < 1)) return input;
        return shardedDropout(input, dropout.rate, dropout.seed, shard);
      });
  }
}

/** tf.dropout's arithmetic on the shard's rows of the full batch's mask. */
export function shardedDropout(
  input: tf.Tensor,
  rate: number,
  seed: number | undefined,
  shard: BatchShard,
): tf.Tensor {
  return tf.tidy(() => {
    const [rows, ...rest] = input.shape;
    if (rows !== shard.size) {
      throw new Error(`dropout expected a shard of ${shard.size} rows, got ${rows}`);
    }
    const keep = 1 - rate;
    const uniform = tf.randomUniform([shard.batchSize, ...rest], 0, 1, 'float32', seed);
    const rowsOfShard = tf.slice(uniform, shard.offset, shard.size);
    const multiplier = tf.div(tf.floor(tf.add(rowsOfShard, keep)), keep);
    return tf.mul(input, multiplier);
  });
}
