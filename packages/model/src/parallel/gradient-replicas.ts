import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { seedDropoutLayers } from '../build-model.js';
import { startReplicas, type Replica } from './replica.js';
import { IMAGE_SIZE, splitBatch, variableOffsets, type ReplicaInit } from './replica-protocol.js';
import { computeShardGradients } from './shard-gradients.js';
import { setDropoutShard, type BatchShard } from './sharded-dropout.js';

export interface GradientReplicasOptions {
  readonly model: LayersModel;
  readonly variables: readonly tf.Variable[];
  /** Threads in all, this one included. */
  readonly threads: number;
  /** The training set's images ([N, 28, 28, 1] flattened) and labels, on this thread. */
  readonly images: Float32Array;
  readonly labels: Float32Array;
  readonly maxBatchSize: number;
}

export interface BatchGradients {
  /** The batch's gradients, one per variable, summed over the shards; the caller disposes them. */
  readonly grads: tf.Tensor[];
  readonly loss: number;
  readonly correct: number;
}

/** A training replica's shard and gradient slots, as this thread sees them. */
interface TrainingViews {
  readonly images: Float32Array;
  readonly labels: Float32Array;
  readonly gradients: Float32Array;
}

function trainingViews(init: ReplicaInit): TrainingViews {
  if (init.mode !== 'train') throw new Error('not a training replica');
  return {
    images: new Float32Array(init.buffers.images),
    labels: new Float32Array(init.buffers.labels),
    gradients: new Float32Array(init.buffers.gradients),
  };
}

/**
 * Data-parallel gradients: each step splits the batch into one contiguous shard per thread, this
 * thread computes the first shard while replica threads compute the others from the same weights,
 * and the shards' gradients are summed. The optimizer runs here only, on the summed gradients, so
 * the replicas hold no state but the weights they are sent each step. Dropout masks are the rows of
 * the whole batch's mask (see setDropoutShard), so the result is single-threaded training's up to
 * float rounding.
 */
export class GradientReplicas {
  private constructor(
    private readonly options: GradientReplicasOptions,
    private readonly replicas: Replica<TrainingViews>[],
    private readonly weights: Float32Array,
    private readonly offsets: number[],
  ) {}

  static async start(options: GradientReplicasOptions): Promise<GradientReplicas> {
    const sizes = options.variables.map((variable) => variable.size);
    const { offsets, total } = variableOffsets(sizes);
    const weights = new SharedArrayBuffer(total * 4);
    const maxShard = Math.ceil(options.maxBatchSize / options.threads);
    const modelTopology = JSON.stringify(options.model.toJSON(null, false));
    const inits = Array.from({ length: options.threads - 1 }, (): ReplicaInit => ({
      mode: 'train',
      modelTopology,
      backend: tf.getBackend(),
      buffers: {
        weights,
        images: new SharedArrayBuffer(maxShard * IMAGE_SIZE * 4),
        labels: new SharedArrayBuffer(maxShard * 4),
        gradients: new SharedArrayBuffer(total * 4),
      },
    }));
    const replicas = await startReplicas(inits, trainingViews);
    return new GradientReplicas(options, replicas, new Float32Array(weights), offsets);
  }

  get threads(): number {
    return this.replicas.length + 1;
  }

  /** Gradients of the batch `indices` (rows of the training set) with the current weights. */
  async computeGradients(
    indices: Int32Array,
    dropoutSeed: number,
    local: { xs: tf.Tensor4D; ys: tf.Tensor1D },
  ): Promise<BatchGradients> {
    const batchSize = indices.length;
    const [first, ...others] = splitBatch(batchSize, this.threads);
    if (first === undefined) throw new Error('empty batch');
    this.publishWeights();
    const remote = others.map((shard, index) => {
      const replica = this.replicas[index] as Replica<TrainingViews>;
      this.writeShard(replica, indices.subarray(shard.offset, shard.offset + shard.size));
      return replica.request({ type: 'step', ...shard, batchSize, dropoutSeed });
    });
    let mine: ReturnType<typeof computeShardGradients>;
    try {
      mine = this.computeLocalShard(indices.subarray(0, first.size), dropoutSeed, local, {
        ...first,
        batchSize,
      });
    } catch (error) {
      await Promise.allSettled(remote); // the replicas finish their step before the next one
      throw error;
    }
    try {
      const [loss, correct] = await Promise.all([mine.loss.data(), mine.correct.data()]);
      const settled = await Promise.allSettled(remote);
      let totalLoss = loss[0] ?? Number.NaN;
      let totalCorrect = correct[0] ?? 0;
      for (const result of settled) {
        if (result.status === 'rejected') throw result.reason;
        if (result.value.type !== 'done') throw new Error(`replica answered ${result.value.type}`);
        totalLoss += result.value.loss;
        totalCorrect += result.value.correct;
      }
      const grads = tf.tidy(() =>
        mine.grads.map((grad, index) => this.addReplicaGradients(grad, index, others.length)),
      );
      return { grads, loss: totalLoss, correct: totalCorrect };
    } finally {
      tf.dispose([mine.loss, mine.correct, ...mine.grads]);
    }
  }

  private computeLocalShard(
    rows: Int32Array,
    dropoutSeed: number,
    local: { xs: tf.Tensor4D; ys: tf.Tensor1D },
    shard: BatchShard,
  ): ReturnType<typeof computeShardGradients> {
    const { model, variables } = this.options;
    seedDropoutLayers(model, dropoutSeed);
    setDropoutShard(model, shard);
    const shardIndices = tf.tensor1d(rows, 'int32');
    const xs = tf.gather(local.xs, shardIndices);
    const ys = tf.gather(local.ys, shardIndices);
    try {
      return computeShardGradients(model, variables, xs, ys, shard);
    } finally {
      tf.dispose([shardIndices, xs, ys]);
    }
  }

  async dispose(): Promise<void> {
    setDropoutShard(this.options.model, null);
    await Promise.all(this.replicas.map((replica) => replica.terminate()));
  }

  private addReplicaGradients(grad: tf.Tensor, index: number, replicas: number): tf.Tensor {
    const offset = this.offsets[index] ?? 0;
    let sum = grad;
    for (const replica of this.replicas.slice(0, replicas)) {
      const values = replica.views.gradients.subarray(offset, offset + grad.size);
      sum = tf.add(sum, tf.tensor(values, grad.shape, 'float32'));
    }
    return sum === grad ? tf.clone(grad) : sum;
  }

  private publishWeights(): void {
    this.options.variables.forEach((variable, index) => {
      this.weights.set(variable.dataSync() as Float32Array, this.offsets[index] ?? 0);
    });
  }

  private writeShard(replica: Replica<TrainingViews>, rows: Int32Array): void {
    const { images, labels } = this.options;
    rows.forEach((row, position) => {
      replica.views.images.set(
        images.subarray(row * IMAGE_SIZE, (row + 1) * IMAGE_SIZE),
        position * IMAGE_SIZE,
      );
      replica.views.labels[position] = labels[row] ?? Number.NaN;
    });
  }
}
