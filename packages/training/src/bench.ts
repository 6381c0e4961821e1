import * as tf from '@tensorflow/tfjs-core';
import { buildModel } from '@convoy/model';
import type { ModelSpec } from '@convoy/schemas';
import { trainModel } from './train.js';

export interface TrainingBenchmarkOptions {
  readonly model: ModelSpec;
  readonly batchSize: number;
  /** Images per timed pass; the anchor script uses 3,200. */
  readonly images: number;
  readonly seed?: number | undefined;
  /** Threads for data-parallel training (wasm); 1 by default. */
  readonly threads?: number | undefined;
}

export interface TrainingBenchmarkResult {
  readonly imagesPerSecond: number;
  readonly images: number;
  readonly batchSize: number;
  readonly seconds: number;
  readonly threads: number;
}

/**
 * Training throughput measured like the PyTorch anchor: random images, one warm-up pass, then one
 * timed pass of `images` images (forward, backward and the optimizer step; no validation).
 */
export async function benchmarkTraining(
  options: TrainingBenchmarkOptions,
): Promise<TrainingBenchmarkResult> {
  const seed = options.seed ?? 42;
  const xs = tf.randomUniform([options.images, 28, 28, 1], 0, 1, 'float32', seed) as tf.Tensor4D;
  const ys = tf.tidy(() =>
    tf.floor(tf.randomUniform([options.images], 0, 10, 'float32', seed + 1)),
  ) as tf.Tensor1D;
  const model = buildModel(options.model, { seed });
  try {
    const run = await trainModel({
      model,
      train: { xs, ys },
      threads: options.threads,
      params: {
        epochs: 2,
        batchSize: options.batchSize,
        seed,
        optimizer: { name: 'adam', learningRate: 0.001 },
        earlyStopping: false,
        checkpoint: { monitor: 'loss', saveBestOnly: true },
      },
    });
    const timed = run.history[1];
    const seconds = timed?.seconds ?? Number.NaN;
    return {
      imagesPerSecond: options.images / seconds,
      images: options.images,
      batchSize: options.batchSize,
      seconds,
      threads: run.threads,
    };
  } finally {
    model.dispose();
    tf.dispose([xs, ys]);
  }
}
