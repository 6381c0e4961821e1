import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { type InputImage, TensorCollector } from '@convoy/core';
import type { ImageSet } from '@convoy/data';
import {
  CLASS_NAMES,
  IMAGE_SIZE,
  InvalidValueError,
  NUM_CLASSES,
  type ClassPrediction,
  type ConfusionSummary,
} from '@convoy/schemas';
import {
  assertClassifier,
  predictClasses,
  type ConfusionMatrixOptions,
} from './classify/predict-classes.js';
import type { VisualizationComputation } from './computation.js';
import { assertImagePixels } from './feature-maps.js';

const className = (classIndex: number) => CLASS_NAMES[classIndex] ?? `class ${classIndex}`;

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
    throw new InvalidValueError(`topK must be an integer from 1 to ${NUM_CLASSES}, not ${topK}`);
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
      throw new InvalidValueError(`image ${index}: class ids must be below ${size}`);
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
  if (testSet.count === 0)
    throw new InvalidValueError('a confusion matrix needs at least one image');
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
