import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { TensorCollector } from '@convoy/core';
import type { ImageSet } from '@convoy/data';
import {
  CLASS_NAMES,
  IMAGE_PIXELS,
  IMAGE_SIZE,
  InvalidValueError,
  NUM_CLASSES,
  type MisclassifiedItem,
} from '@convoy/schemas';
import { assertClassifier, DEFAULT_CONFUSION_BATCH_SIZE } from './classify/predict-classes.js';
import type { VisualizationComputation } from './computation.js';

/** Mistakes kept with their pixels for each true class (10 classes: at most 160 images, 500 kB). */
export const MISCLASSIFIED_PER_CLASS = 16;

export interface MisclassifiedOptions {
  /** Images per forward pass (default 500). */
  readonly batchSize?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
  /** Mistakes kept per true class (default MISCLASSIFIED_PER_CLASS). */
  readonly perClass?: number;
}

/** The class probabilities of `count` images given as 0–255 pixels: [count × classes]. */
async function predictProbabilities(
  model: tfl.LayersModel,
  pixels: Uint8Array,
  count: number,
): Promise<Float32Array> {
  const probabilities = tf.tidy(() => {
    const images = tf.div(tf.tensor4d(pixels, [count, IMAGE_SIZE, IMAGE_SIZE, 1], 'float32'), 255);
    return model.predict(images) as tf.Tensor;
  });
  try {
    return new Float32Array(await probabilities.data());
  } finally {
    probabilities.dispose();
  }
}

/** Every image's predicted class and its probability, and the true class's probability. */
async function classify(model: tfl.LayersModel, set: ImageSet, options: MisclassifiedOptions) {
  const batchSize = options.batchSize ?? DEFAULT_CONFUSION_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new InvalidValueError(`batchSize must be a positive integer, not ${batchSize}`);
  const predicted = new Float32Array(set.count);
  const confidence = new Float32Array(set.count);
  const trueProbability = new Float32Array(set.count);
  for (let start = 0; start < set.count; start += batchSize) {
    options.signal?.throwIfAborted();
    const end = Math.min(set.count, start + batchSize);
    const pixels = set.images.subarray(start * IMAGE_PIXELS, end * IMAGE_PIXELS);
    const probabilities = await predictProbabilities(model, pixels, end - start);
    for (let image = start; image < end; image += 1) {
      const row = probabilities.subarray(
        (image - start) * NUM_CLASSES,
        (image - start + 1) * NUM_CLASSES,
      );
      let best = 0;
      for (let classIndex = 1; classIndex < NUM_CLASSES; classIndex += 1)
        if ((row[classIndex] ?? 0) > (row[best] ?? 0)) best = classIndex;
      predicted[image] = best;
      confidence[image] = Math.min(1, Math.max(0, row[best] ?? 0));
      trueProbability[image] = Math.min(1, Math.max(0, row[set.labels[image] ?? 0] ?? 0));
    }
    // A macrotask turn per batch lets the job's lock renewal and progress run in between.
    await yieldToEventLoop();
    options.onProgress?.(end, set.count);
  }
  return { predicted, confidence, trueProbability };
}

const className = (classIndex: number) => CLASS_NAMES[classIndex] ?? `class ${classIndex}`;

/**
 * The test images the model gets wrong: counts per true class, the `perClass` most confident
 * mistakes of each class with their pixels ([items, 28, 28] in [0, 1]), and every image's true
 * class, prediction and confidence (so a viewer can pick any image of a class, or any mistake).
 */
export async function computeMisclassified(
  model: tfl.LayersModel,
  testSet: ImageSet,
  options: MisclassifiedOptions = {},
): Promise<VisualizationComputation<'misclassified'>> {
  assertClassifier(model);
  if (testSet.count === 0) throw new InvalidValueError('misclassified needs at least one image');
  const perClass = options.perClass ?? MISCLASSIFIED_PER_CLASS;
  const { predicted, confidence, trueProbability } = await classify(model, testSet, options);
  const perClassImages = new Array<number>(NUM_CLASSES).fill(0);
  const perClassErrors = new Array<number>(NUM_CLASSES).fill(0);
  const mistakes: MisclassifiedItem[][] = Array.from({ length: NUM_CLASSES }, () => []);
  for (let sample = 0; sample < testSet.count; sample += 1) {
    const label = testSet.labels[sample] ?? 0;
    perClassImages[label] = (perClassImages[label] ?? 0) + 1;
    const guess = predicted[sample] ?? 0;
    if (guess === label) continue;
    perClassErrors[label] = (perClassErrors[label] ?? 0) + 1;
    mistakes[label]?.push({
      sample,
      label,
      labelName: className(label),
      predicted: guess,
      predictedName: className(guess),
      confidence: confidence[sample] ?? 0,
      trueProbability: trueProbability[sample] ?? 0,
    });
  }
  const items = mistakes.flatMap((list) =>
    list.sort((a, b) => b.confidence - a.confidence || a.sample - b.sample).slice(0, perClass),
  );
  const tensors = new TensorCollector();
  if (items.length > 0) {
    const images = new Float32Array(items.length * IMAGE_PIXELS);
    items.forEach((item, index) => {
      const source = testSet.images.subarray(
        item.sample * IMAGE_PIXELS,
        (item.sample + 1) * IMAGE_PIXELS,
      );
      for (let pixel = 0; pixel < IMAGE_PIXELS; pixel += 1)
        images[index * IMAGE_PIXELS + pixel] = (source[pixel] ?? 0) / 255;
    });
    tensors.add('images', 'images', 'images', [items.length, IMAGE_SIZE, IMAGE_SIZE], images);
  }
  tensors.add('labels', 'labels', 'labels', [testSet.count], Float32Array.from(testSet.labels));
  tensors.add('predicted', 'predicted', 'predicted', [testSet.count], predicted);
  tensors.add('confidence', 'confidence', 'confidence', [testSet.count], confidence);
  return {
    content: {
      kind: 'misclassified',
      tensors: tensors.entries,
      misclassified: {
        classNames: [...CLASS_NAMES],
        images: testSet.count,
        errors: perClassErrors.reduce((total, count) => total + count, 0),
        perClassImages,
        perClassErrors,
        perClass,
        items,
      },
    },
    tensors: tensors.values,
  };
}
