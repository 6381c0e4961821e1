/** What the coordinating thread and its gradient replicas share and say to each other. */

/** Shared memory of one replica: the weights (shared by all), and its own batch and gradient slots. */
export interface ReplicaBuffers {
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

/** Shared memory of a prediction replica; every buffer is shared by all replicas of a run. */
export interface PredictionBuffers {
  /** All the model's weights (LayersModel.weights order), concatenated. */
  readonly weights: SharedArrayBuffer;
  /** The image set's pixels, 0–255, [count, 28, 28]. */
  readonly images: SharedArrayBuffer;
  /** Predicted class per image, written by whichever thread took its chunk. */
  readonly predictions: SharedArrayBuffer;
  /** Int32 [next chunk, images done, stop flag], updated with Atomics. */
  readonly control: SharedArrayBuffer;
}

export const CONTROL_NEXT_CHUNK = 0;
export const CONTROL_IMAGES_DONE = 1;
export const CONTROL_STOP = 2;
export const CONTROL_SLOTS = 3;

export type ReplicaInit = {
  /** The model's Keras topology (LayersModel.toJSON), to build the same layers. */
  readonly modelTopology: string;
  /** The tfjs backend the coordinator runs on. */
  readonly backend: string;
} & (
  | { readonly mode: 'train'; readonly buffers: ReplicaBuffers }
  | { readonly mode: 'predict'; readonly buffers: PredictionBuffers }
);

/** Prediction replicas take requests as messages; training steps go through a StepChannel. */
export type ToReplica = {
  readonly type: 'predict';
  readonly count: number;
  readonly chunkSize: number;
};

export type FromReplica =
  | { readonly type: 'ready' }
  | { readonly type: 'predicted'; readonly chunks: number }
  | { readonly type: 'error'; readonly message: string };

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
