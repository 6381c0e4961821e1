import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { ImageSet } from '@convoy/data';
import { copyToFlat, flatLayout, Replica, replicaEntry } from '@convoy/model';
import { predictNextChunk, type SharedPredictionRun } from './predict-chunks.js';
import {
  CONTROL_IMAGES_DONE,
  CONTROL_SLOTS,
  CONTROL_STOP,
  type PredictAnswer,
  type PredictionReplicaSetup,
  type PredictRequest,
} from './prediction-protocol.js';

const PREDICTION_REPLICA_ENTRY = replicaEntry('./prediction-replica-thread.js', import.meta.url);

export interface ParallelPredictOptions {
  /** Threads in all, this one included. */
  readonly threads: number;
  readonly chunkSize: number;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
}

function sharedWeights(model: LayersModel): SharedArrayBuffer {
  const weights = model.weights.map((weight) => weight.read());
  const { offsets, total } = flatLayout(weights);
  const buffer = new SharedArrayBuffer(total * 4);
  copyToFlat(weights, new Float32Array(buffer), offsets);
  return buffer;
}

/** The run's shared memory: the replicas' setup, and this thread's views of the same buffers. */
function sharePrediction(
  model: LayersModel,
  set: ImageSet,
  chunkSize: number,
): { setup: PredictionReplicaSetup; run: SharedPredictionRun } {
  const images = new SharedArrayBuffer(set.images.length);
  new Uint8Array(images).set(set.images);
  const predictions = new SharedArrayBuffer(set.count * 4);
  const control = new SharedArrayBuffer(CONTROL_SLOTS * 4);
  const setup: PredictionReplicaSetup = {
    modelTopology: JSON.stringify(model.toJSON(null, false)),
    backend: tf.getBackend(),
    buffers: { weights: sharedWeights(model), images, predictions, control },
  };
  const run: SharedPredictionRun = {
    images: new Uint8Array(images),
    predictions: new Int32Array(predictions),
    control: new Int32Array(control),
    count: set.count,
    chunkSize,
  };
  return { setup, run };
}

export interface ParallelPrediction {
  readonly predictions: Int32Array;
  /** Chunks each thread predicted, this one first. */
  readonly chunksByThread: number[];
}

/**
 * predictClasses on several threads: this thread starts on the first chunks at once, replica
 * threads join as soon as they have built the model, and every thread claims the next chunk from a
 * shared counter until none is left. Results are the single-threaded ones (inference has no
 * randomness, and each image is predicted whole by one thread).
 */
export async function predictClassesInParallel(
  model: LayersModel,
  set: ImageSet,
  options: ParallelPredictOptions,
): Promise<ParallelPrediction> {
  const { setup, run } = sharePrediction(model, set, options.chunkSize);
  const replicas = Array.from(
    { length: options.threads - 1 },
    () => new Replica<null, PredictRequest, PredictAnswer>(PREDICTION_REPLICA_ENTRY, setup, null),
  );
  const work = replicas.map((replica) =>
    replica
      .next()
      .then(() => replica.request({ type: 'predict', count: set.count, chunkSize: run.chunkSize })),
  );
  try {
    let chunks = 0;
    while (!options.signal?.aborted && (await predictNextChunk(model, run))) {
      chunks += 1;
      options.onProgress?.(Atomics.load(run.control, CONTROL_IMAGES_DONE), set.count);
      // wasm's data() settles as a microtask: without a macrotask turn the replicas' 'ready'
      // messages (and timers such as lock renewal) would wait until this thread had done it all.
      await yieldToEventLoop();
    }
    if (options.signal?.aborted) Atomics.store(run.control, CONTROL_STOP, 1);
    const settled = await Promise.allSettled(work);
    options.signal?.throwIfAborted();
    const chunksByThread = [chunks];
    for (const result of settled) {
      if (result.status === 'rejected') throw result.reason;
      chunksByThread.push(result.value.type === 'predicted' ? result.value.chunks : 0);
    }
    options.onProgress?.(set.count, set.count);
    return { predictions: Int32Array.from(run.predictions), chunksByThread };
  } finally {
    Atomics.store(run.control, CONTROL_STOP, 1);
    await Promise.all(replicas.map((replica) => replica.terminate()));
  }
}
