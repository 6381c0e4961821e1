import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type * as tfl from '@tensorflow/tfjs-layers';
import { trainingThreads } from '@convoy/backend';
import type { ImageSet } from '@convoy/data';
import { IMAGE_PIXELS, InvalidValueError, NUM_CLASSES } from '@convoy/schemas';
import { predictClassesInParallel } from './parallel-predict.js';
import { predictBatchClasses } from './predict-batch.js';

export const DEFAULT_CONFUSION_BATCH_SIZE = 500;

/** Throws unless the model outputs the probabilities of the Fashion-MNIST classes. */
export function assertClassifier(model: tfl.LayersModel): void {
  const shape = model.outputs[0]?.shape;
  if (model.outputs.length !== 1 || shape?.length !== 2 || shape[1] !== NUM_CLASSES)
    throw new InvalidValueError(
      `expected a model with one output of ${NUM_CLASSES} class probabilities, got [${shape?.join(', ')}]`,
    );
}

export interface ConfusionMatrixOptions {
  /** Images per forward pass (default 500). */
  readonly batchSize?: number;
  /** Stops between batches (throws the signal's reason). */
  readonly signal?: AbortSignal;
  /** Called after each batch with the images done so far. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Threads to predict on (wasm only; see predictClassesInParallel); default 1. */
  readonly threads?: number;
}

/** The model's predicted class (argmax) for every image of a set, in batched forward passes. */
export async function predictClasses(
  model: tfl.LayersModel,
  set: ImageSet,
  options: ConfusionMatrixOptions = {},
): Promise<Int32Array> {
  assertClassifier(model);
  const batchSize = options.batchSize ?? DEFAULT_CONFUSION_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new InvalidValueError(`batchSize must be a positive integer, not ${batchSize}`);
  if (set.images.length !== set.count * IMAGE_PIXELS || set.labels.length !== set.count)
    throw new InvalidValueError(
      `the image set's arrays do not hold ${set.count} images and labels`,
    );
  const threads = trainingThreads(options.threads);
  // Below a few chunks, starting replica threads costs more than it saves.
  if (threads > 1 && set.count >= 4 * batchSize) {
    const parallel = { ...options, threads, chunkSize: batchSize };
    return (await predictClassesInParallel(model, set, parallel)).predictions;
  }
  const predicted = new Int32Array(set.count);
  for (let start = 0; start < set.count; start += batchSize) {
    options.signal?.throwIfAborted();
    const end = Math.min(set.count, start + batchSize);
    const pixels = set.images.subarray(start * IMAGE_PIXELS, end * IMAGE_PIXELS);
    predicted.set(await predictBatchClasses(model, pixels, end - start), start);
    // A macrotask turn per batch lets timers (job lock renewal, progress events) run in between:
    // on wasm, data() settles as a microtask, which alone would not.
    await yieldToEventLoop();
    options.onProgress?.(end, set.count);
  }
  return predicted;
}
