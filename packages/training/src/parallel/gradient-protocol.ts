import type { ReplicaSetup } from '@convoy/model';

/** What the coordinating thread and its gradient replicas share. */

/** Shared memory of one replica: the weights (shared by all), and its own batch and gradient slots. */
export interface GradientReplicaBuffers {
  /** Every trainable variable's values, concatenated in the model's order; written by the coordinator. */
  readonly weights: SharedArrayBuffer;
  /** Images of the replica's shard, [size, 28, 28, 1]. */
  readonly images: SharedArrayBuffer;
  readonly labels: SharedArrayBuffer;
  /** The replica's gradients, laid out like `weights`. */
  readonly gradients: SharedArrayBuffer;
  /** The per-step handshake (StepChannel). */
  readonly channel: SharedArrayBuffer;
}

/** A gradient replica's workerData: training steps then go through its StepChannel, not messages. */
export interface GradientReplicaSetup extends ReplicaSetup {
  readonly buffers: GradientReplicaBuffers;
}

/** Splits a batch into contiguous shards, one per replica, the first ones one larger when uneven. */
export function splitBatch(batchSize: number, replicas: number): BatchSplit {
  return splitBatchByRates(batchSize, new Array<number>(replicas).fill(1));
}

export type BatchSplit = { offset: number; size: number }[];

/**
 * Splits a batch into contiguous shards in proportion to each thread's speed (rows per ms), so
 * they finish together; equal shards until every speed is known. Every thread gets at least one
 * row while there are rows enough, and leftover rows go to the first threads; threads beyond the
 * batch size get no shard.
 */
export function splitBatchByRates(batchSize: number, rates: readonly number[]): BatchSplit {
  const count = Math.max(1, Math.min(rates.length, batchSize));
  const measured = rates.slice(0, count).every((rate) => Number.isFinite(rate) && rate > 0);
  const used = measured ? rates.slice(0, count) : new Array<number>(count).fill(1);
  const total = used.reduce((sum, rate) => sum + rate, 0);
  const spare = batchSize - count; // one row each is given first
  const sizes = used.map((rate) => 1 + Math.floor((spare * rate) / total));
  let left = batchSize - sizes.reduce((sum, size) => sum + size, 0);
  for (let index = 0; left > 0; index = (index + 1) % count, left -= 1) {
    sizes[index] = (sizes[index] ?? 0) + 1;
  }
  let offset = 0;
  return sizes.map((size) => {
    const shard = { offset, size };
    offset += size;
    return shard;
  });
}
