import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { CLASS_NAMES, IMAGE_PIXELS, IMAGE_SIZE, NUM_CLASSES, type ImageSet } from '@convoy/data';
import type { ClassPrediction, ConfusionSummary } from '@convoy/schemas';
import type { VisualizationComputation } from './computation.js';
import { assertImagePixels } from './feature-maps.js';
import { type InputImage, TensorCollector } from '@convoy/core';
import { predictBatchClasses } from './predict-batch.js';
import { predictClassesInParallel } from '../parallel/parallel-predict.js';
import { trainingThreads } from '../train.js';

export const DEFAULT_CONFUSION_BATCH_SIZE = 500;

const className = (classIndex: number) => CLASS_NAMES[classIndex] ?? `class ${classIndex}`;

function assertClassifier(model: tfl.LayersModel): void {
  const shape = model.outputs[0]?.shape;
  if (model.outputs.length !== 1 || shape?.length !== 2 || shape[1] !== NUM_CLASSES)
    throw new RangeError(
      `expected a model with one output of ${NUM_CLASSES} class probabilities, got [${shape?.join(', ')}]`,
    );
}

/** The `topK` most probable classes, most probable first (ties: the lower class id first). */
export function topClasses(probabilities: Float32Array, topK: number): ClassPrediction[] {
  return Array.from(probabilities, (probability, classIndex) => ({
    classIndex,
    className: className(classIndex),
    // float32 softmax can overshoot 1 by an ulp.
    probability: Math.min(1, Math.max(0, probability)),
  }))
    .sort((a, b) => b.probability - a.probability || a.classIndex - b.classIndex)
    .slice(0, topK);
}

/** The model's class probabilities for one image and the `topK` most probable classes. */
export async function computePredictions(
  model: tfl.LayersModel,
  image: InputImage,
  topK = NUM_CLASSES,
): Promise<VisualizationComputation<'predictions'>> {
  assertImagePixels(image.pixels);
  assertClassifier(model);
  if (!Number.isInteger(topK) || topK < 1 || topK > NUM_CLASSES)
    throw new RangeError(`topK must be an integer from 1 to ${NUM_CLASSES}, not ${topK}`);
  const output = tf.tidy(
    () => model.predict(tf.tensor4d(image.pixels, [1, IMAGE_SIZE, IMAGE_SIZE, 1])) as tf.Tensor,
  );
  let probabilities: Float32Array;
  try {
    probabilities = new Float32Array(await output.data());
  } finally {
    output.dispose();
  }
  const tensors = new TensorCollector();
  tensors.add('input', 'input', 'input', [IMAGE_SIZE, IMAGE_SIZE], new Float32Array(image.pixels));
  tensors.add('probabilities', 'probabilities', 'probabilities', [NUM_CLASSES], probabilities);
  return {
    content: {
      kind: 'predictions',
      tensors: tensors.entries,
      input: image.input,
      predictions: topClasses(probabilities, topK),
    },
    tensors: tensors.values,
  };
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
    throw new RangeError(`batchSize must be a positive integer, not ${batchSize}`);
  if (set.images.length !== set.count * IMAGE_PIXELS || set.labels.length !== set.count)
    throw new RangeError(`the image set's arrays do not hold ${set.count} images and labels`);
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

/** Confusion matrix, per-class and overall accuracy from true and predicted class ids. */
export function confusionSummary(
  labels: ArrayLike<number>,
  predicted: ArrayLike<number>,
  classNames: readonly string[] = CLASS_NAMES,
): ConfusionSummary {
  const size = classNames.length;
  const matrix = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  for (let index = 0; index < labels.length; index++) {
    const row = matrix[labels[index] ?? -1];
    const column = predicted[index] ?? -1;
    if (!row || column < 0 || column >= size)
      throw new RangeError(`image ${index}: class ids must be below ${size}`);
    row[column] = (row[column] ?? 0) + 1;
  }
  const correct = matrix.reduce((total, row, index) => total + (row[index] ?? 0), 0);
  return {
    classNames: [...classNames],
    matrix,
    perClassAccuracy: matrix.map((row, index) => {
      const total = row.reduce((sum, count) => sum + count, 0);
      return total === 0 ? null : (row[index] ?? 0) / total;
    }),
    accuracy: labels.length === 0 ? 0 : correct / labels.length,
    images: labels.length,
  };
}

/**
 * The model's confusion matrix over a labelled set (the 10,000 test images): rows are true
 * classes, columns predicted ones; with per-class and overall accuracy.
 */
export async function computeConfusionMatrix(
  model: tfl.LayersModel,
  testSet: ImageSet,
  options: ConfusionMatrixOptions = {},
): Promise<VisualizationComputation<'confusion-matrix'>> {
  if (testSet.count === 0) throw new RangeError('a confusion matrix needs at least one image');
  const predicted = await predictClasses(model, testSet, options);
  return {
    content: {
      kind: 'confusion-matrix',
      tensors: [],
      confusion: confusionSummary(testSet.labels, predicted),
    },
    tensors: new Map(),
  };
}
