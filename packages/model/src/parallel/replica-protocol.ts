/** What the coordinating thread and its gradient replicas share and say to each other. */

export const IMAGE_SIZE = 28 * 28;

/** Shared memory of one replica: the weights (shared by all), and its own batch and gradient slots. */
export interface ReplicaBuffers {
  /** Every trainable variable's values, concatenated in the model's order; written by the coordinator. */
  readonly weights: SharedArrayBuffer;
  /** Images of the replica's shard, [size, 28, 28, 1]. */
  readonly images: SharedArrayBuffer;
  readonly labels: SharedArrayBuffer;
  /** The replica's gradients, laid out like `weights`. */
  readonly gradients: SharedArrayBuffer;
}

export interface ReplicaInit {
  /** The model's Keras topology (LayersModel.toJSON), to build the same layers. */
  readonly modelTopology: string;
  /** The tfjs backend the coordinator trains on. */
  readonly backend: string;
  readonly buffers: ReplicaBuffers;
}

export type ToReplica = {
  readonly type: 'step';
  readonly offset: number;
  readonly size: number;
  readonly batchSize: number;
  readonly dropoutSeed: number;
};

export type FromReplica =
  | { readonly type: 'ready' }
  | { readonly type: 'done'; readonly loss: number; readonly correct: number }
  | { readonly type: 'error'; readonly message: string };

/** Offsets of each variable in the flat weight and gradient buffers. */
export function variableOffsets(sizes: readonly number[]): { offsets: number[]; total: number } {
  const offsets: number[] = [];
  let total = 0;
  for (const size of sizes) {
    offsets.push(total);
    total += size;
  }
  return { offsets, total };
}

/** Splits a batch into contiguous shards, one per replica, the first ones one larger when uneven. */
export function splitBatch(
  batchSize: number,
  replicas: number,
): { offset: number; size: number }[] {
  const count = Math.max(1, Math.min(replicas, batchSize));
  const base = Math.floor(batchSize / count);
  const extra = batchSize % count;
  const shards: { offset: number; size: number }[] = [];
  let offset = 0;
  for (let index = 0; index < count; index += 1) {
    const size = base + (index < extra ? 1 : 0);
    shards.push({ offset, size });
    offset += size;
  }
  return shards;
}
