import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import {
  copyToFlat,
  flatLayout,
  replicaEntry,
  seedDropoutLayers,
  startReplicas,
  type Replica,
} from '@convoy/model';
import { IMAGE_PIXELS } from '@convoy/schemas';
import { splitBatchByRates, type GradientReplicaSetup } from './gradient-protocol.js';
import { computeShardGradients } from './shard-gradients.js';
import { setDropoutShard, type BatchShard } from './sharded-dropout.js';
import { StepChannel } from './step-channel.js';

const GRADIENT_REPLICA_ENTRY = replicaEntry('./gradient-replica-thread.js', import.meta.url);

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
  readonly channel: StepChannel;
}

function trainingViews(setup: GradientReplicaSetup): TrainingViews {
  return {
    images: new Float32Array(setup.buffers.images),
    labels: new Float32Array(setup.buffers.labels),
    gradients: new Float32Array(setup.buffers.gradients),
    channel: new StepChannel(setup.buffers.channel),
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
  /**
   * Rows per millisecond of each thread (this one first), averaged over recent steps. Cores are not
   * equally fast in practice (a busy neighbour, a shared host), and a step lasts as long as its
   * slowest shard, so shards are sized by these.
   */
  private readonly rates: number[];

  private constructor(
    private readonly options: GradientReplicasOptions,
    private readonly replicas: Replica<TrainingViews>[],
    private readonly weights: Float32Array,
    private readonly offsets: number[],
  ) {
    this.rates = new Array<number>(replicas.length + 1).fill(Number.NaN); // unmeasured: equal shards
  }

  static async start(options: GradientReplicasOptions): Promise<GradientReplicas> {
    const { offsets, total } = flatLayout(options.variables);
    const weights = new SharedArrayBuffer(total * 4);
    const modelTopology = JSON.stringify(options.model.toJSON(null, false));
    const setups = Array.from({ length: options.threads - 1 }, (): GradientReplicaSetup => ({
      modelTopology,
      backend: tf.getBackend(),
      buffers: {
        weights,
        // Shards are sized by measured speed: a replica may get nearly the whole batch.
        images: new SharedArrayBuffer(options.maxBatchSize * IMAGE_PIXELS * 4),
        labels: new SharedArrayBuffer(options.maxBatchSize * 4),
        gradients: new SharedArrayBuffer(total * 4),
        channel: new SharedArrayBuffer(StepChannel.BYTES),
      },
    }));
    const replicas = await startReplicas(GRADIENT_REPLICA_ENTRY, setups, trainingViews);
    return new GradientReplicas(options, replicas, new Float32Array(weights), offsets);
  }

  get threads(): number {
    return this.replicas.length + 1;
  }

  private updateRate(thread: number, rows: number, milliseconds: number): void {
    if (!(rows > 0 && milliseconds > 0)) return;
    const measured = rows / milliseconds;
    const previous = this.rates[thread] ?? Number.NaN;
    this.rates[thread] = Number.isNaN(previous) ? measured : 0.7 * previous + 0.3 * measured;
  }

  /** Gradients of the batch `indices` (rows of the training set) with the current weights. */
  async computeGradients(
    indices: Int32Array,
    dropoutSeed: number,
    local: { xs: tf.Tensor4D; ys: tf.Tensor1D },
  ): Promise<BatchGradients> {
    const batchSize = indices.length;
    const [first, ...others] = splitBatchByRates(batchSize, this.rates);
    if (first === undefined) throw new Error('empty batch');
    this.publishWeights();
    const remote = others.map((shard, index) => {
      const replica = this.replicas[index] as Replica<TrainingViews>;
      this.writeShard(replica, indices.subarray(shard.offset, shard.offset + shard.size));
      const sequence = replica.views.channel.post({ ...shard, batchSize, dropoutSeed });
      return () => replica.views.channel.result(sequence, () => replica.failure);
    });
    const settleRemote = () => Promise.allSettled(remote.map((result) => result()));
    const localStarted = performance.now();
    let mine: ReturnType<typeof computeShardGradients>;
    try {
      mine = this.computeLocalShard(indices.subarray(0, first.size), dropoutSeed, local, {
        ...first,
        batchSize,
      });
    } catch (error) {
      await settleRemote(); // the replicas finish their step before the next one
      throw error;
    }
    try {
      const [loss, correct] = await Promise.all([mine.loss.data(), mine.correct.data()]);
      this.updateRate(0, first.size, performance.now() - localStarted);
      const settled = await settleRemote();
      let totalLoss = loss[0] ?? Number.NaN;
      let totalCorrect = correct[0] ?? 0;
      for (const [index, result] of settled.entries()) {
        if (result.status === 'rejected') throw result.reason;
        if (!result.value.ok) throw new Error(`gradient replica failed: ${result.value.message}`);
        totalLoss += result.value.loss;
        totalCorrect += result.value.correct;
        this.updateRate(index + 1, others[index]?.size ?? 0, result.value.milliseconds);
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
    for (const replica of this.replicas) replica.views.channel.stop();
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
    copyToFlat(this.options.variables, this.weights, this.offsets);
  }

  private writeShard(replica: Replica<TrainingViews>, rows: Int32Array): void {
    const { images, labels } = this.options;
    rows.forEach((row, position) => {
      replica.views.images.set(
        images.subarray(row * IMAGE_PIXELS, (row + 1) * IMAGE_PIXELS),
        position * IMAGE_PIXELS,
      );
      replica.views.labels[position] = labels[row] ?? Number.NaN;
    });
  }
}
