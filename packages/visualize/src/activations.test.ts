import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { CLASS_NAMES, type ImageSet } from '@convoy/data';
import { modelSpecSchema } from '@convoy/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initializeBackend } from '@convoy/backend';
import { buildModel } from '@convoy/model';
import { testImage, VisualizationInputError, type InputImage } from '@convoy/core';
import { computeFeatureMaps } from './feature-maps.js';
import { computeConfusionMatrix, computePredictions, confusionSummary } from './predictions.js';

async function withoutLeaks<T>(action: () => T | Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await action();
  expect(tf.memory().numTensors).toBe(before);
  return result;
}

/** A deterministic fake test set: `count` images with varied pixels, labels cycling unevenly. */
function fakeImageSet(count: number): ImageSet {
  const images = Uint8Array.from({ length: count * 784 }, (_, i) => (i * 2654435761) % 251);
  const labels = Uint8Array.from({ length: count }, (_, i) => (i * 7 + (i % 3)) % 10);
  return { images, labels, count };
}

const maxAbsDifference = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((worst, value, i) => Math.max(worst, Math.abs(value - (b[i] ?? NaN))), 0);

describe('feature maps, predictions and the confusion matrix', () => {
  let model: tfl.Sequential;
  let set: ImageSet;
  let image: InputImage;
  beforeAll(async () => {
    await initializeBackend('wasm');
    model = buildModel({ preset: 'cnn' }, { seed: 3 });
    set = fakeImageSet(300);
    image = testImage(set, 5);
  });
  afterAll(() => model.dispose());

  it('gives every conv layer of the seed cnn in one pass: [28,28,32] and [14,14,64]', async () => {
    const result = await withoutLeaks(() => computeFeatureMaps(model, image));
    const { content } = result;
    expect(content.layers.map((layer) => layer.name)).toEqual(['conv2d', 'conv2d_1']);
    expect(content.tensors.map((t) => [t.name, t.role, t.file, t.shape])).toEqual([
      ['input', 'input', 'input.f32', [28, 28]],
      ['conv2d', 'activation', 'activation-0.f32', [28, 28, 32]],
      ['conv2d_1', 'activation', 'activation-2.f32', [14, 14, 64]],
    ]);
    expect(content.input).toEqual({
      source: 'test-set',
      sample: 5,
      label: set.labels[5],
      className: CLASS_NAMES[set.labels[5]!],
    });
    expect(Array.from(result.tensors.get('input.f32')!)).toEqual(Array.from(image.pixels));
    // ReLU outputs.
    expect(content.tensors[1]!.min).toBeGreaterThanOrEqual(0);
  });

  it('equals a forward pass computed by hand, layer by layer', async () => {
    const result = await computeFeatureMaps(model, image);
    const [kernel1, bias1] = model.layers[0]!.getWeights();
    const [kernel2, bias2] = model.layers[2]!.getWeights();
    const [first, second] = tf.tidy(() => {
      const x = tf.tensor4d(image.pixels, [1, 28, 28, 1]);
      const a1 = tf.relu(tf.add(tf.conv2d(x, kernel1 as tf.Tensor4D, 1, 'same'), bias1!));
      const pooled = tf.maxPool(a1 as tf.Tensor4D, 2, 2, 'valid');
      const a2 = tf.relu(tf.add(tf.conv2d(pooled, kernel2 as tf.Tensor4D, 1, 'same'), bias2!));
      return [a1, a2];
    });
    expect(
      maxAbsDifference(result.tensors.get('activation-0.f32')!, first!.dataSync()),
    ).toBeLessThan(1e-5);
    expect(
      maxAbsDifference(result.tensors.get('activation-2.f32')!, second!.dataSync()),
    ).toBeLessThan(1e-5);
    tf.dispose([first!, second!]);
  });

  it('works on a model loaded from its saved files, as the worker has it', async () => {
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
      }),
    );
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
    const [fromLoaded, fromBuilt] = [
      await withoutLeaks(() => computeFeatureMaps(loaded, image)),
      await computeFeatureMaps(model, image),
    ];
    expect(fromLoaded.content).toEqual(fromBuilt.content);
    loaded.dispose();
  });

  it('shows the layers asked for, by index or name, in model order', async () => {
    const one = await withoutLeaks(() => computeFeatureMaps(model, image, 'conv2d_1'));
    expect(one.content.layers.map((layer) => layer.index)).toEqual([2]);
    const both = await computeFeatureMaps(model, image, ['conv2d_1', 0, 2]);
    expect(both.content.layers.map((layer) => layer.name)).toEqual(['conv2d', 'conv2d_1']);
    const all = await computeFeatureMaps(model, image);
    expect(Array.from(one.tensors.get('activation-2.f32')!)).toEqual(
      Array.from(all.tensors.get('activation-2.f32')!),
    );
    await expect(computeFeatureMaps(model, image, 'dense')).rejects.toBeInstanceOf(
      VisualizationInputError,
    );
    await expect(
      computeFeatureMaps(model, { ...image, pixels: new Float32Array(100) }),
    ).rejects.toThrow(/784/);
  });

  it('predicts probabilities that sum to 1, most probable first, as model.predict does', async () => {
    const result = await withoutLeaks(() => computePredictions(model, image));
    const { predictions, tensors } = result.content;
    expect(predictions).toHaveLength(10);
    expect(predictions.reduce((sum, p) => sum + p.probability, 0)).toBeCloseTo(1, 5);
    predictions
      .slice(1)
      .forEach((p, i) => expect(p.probability).toBeLessThanOrEqual(predictions[i]!.probability));
    expect(new Set(predictions.map((p) => p.classIndex)).size).toBe(10);
    predictions.forEach((p) => expect(p.className).toBe(CLASS_NAMES[p.classIndex]));
    expect(tensors.map((t) => [t.name, t.shape])).toEqual([
      ['input', [28, 28]],
      ['probabilities', [10]],
    ]);
    const direct = tf.tidy(() =>
      (model.predict(tf.tensor4d(image.pixels, [1, 28, 28, 1])) as tf.Tensor).dataSync(),
    );
    expect(Array.from(result.tensors.get('probabilities.f32')!)).toEqual(Array.from(direct));
    expect(predictions[0]!.classIndex).toBe(direct.indexOf(Math.max(...direct)));

    const top3 = await computePredictions(model, image, 3);
    expect(top3.content.predictions).toEqual(predictions.slice(0, 3));
    await expect(computePredictions(model, image, 11)).rejects.toThrow(RangeError);
  });

  it('counts a confusion matrix whose rows are the class counts and whose diagonal is argmax', async () => {
    const result = await withoutLeaks(() => computeConfusionMatrix(model, set, { batchSize: 64 }));
    const { confusion } = result.content;
    expect(confusion.classNames).toEqual(CLASS_NAMES);
    expect(confusion.images).toBe(300);
    const perClass = CLASS_NAMES.map((_, c) => set.labels.filter((label) => label === c).length);
    expect(confusion.matrix.map((row) => row.reduce((a, b) => a + b, 0))).toEqual(perClass);

    // Argmax done separately, all images in one pass.
    const predicted = tf.tidy(() => {
      const x = tf.div(tf.tensor4d(set.images, [300, 28, 28, 1], 'float32'), 255);
      return tf.argMax(model.predict(x) as tf.Tensor, -1).dataSync();
    });
    const correct = CLASS_NAMES.map(
      (_, c) => set.labels.filter((label, i) => label === c && predicted[i] === c).length,
    );
    expect(confusion.matrix.map((row, c) => row[c])).toEqual(correct);
    expect(confusion.accuracy).toBeCloseTo(correct.reduce((a, b) => a + b, 0) / 300, 12);
    confusion.perClassAccuracy.forEach((accuracy, c) =>
      expect(accuracy).toBeCloseTo(correct[c]! / perClass[c]!, 12),
    );
    // The batch size changes nothing.
    const oneBatch = await computeConfusionMatrix(model, set, { batchSize: 500 });
    expect(oneBatch.content.confusion).toEqual(confusion);
  });

  it('reports progress per batch and stops when aborted', async () => {
    const progress: number[] = [];
    await computeConfusionMatrix(model, set, {
      batchSize: 100,
      onProgress: (done) => progress.push(done),
    });
    expect(progress).toEqual([100, 200, 300]);
    const controller = new AbortController();
    const before = tf.memory().numTensors;
    const run = computeConfusionMatrix(model, set, {
      batchSize: 100,
      signal: controller.signal,
      onProgress: () => controller.abort(new Error('cancelled')),
    });
    await expect(run).rejects.toThrow('cancelled');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('predicts the same classes on 2 and 3 threads as on one (chunks shared out as threads ask)', async () => {
    const single = await computeConfusionMatrix(model, set, { batchSize: 20 });
    for (const threads of [2, 3]) {
      const progress: number[] = [];
      const parallel = await withoutLeaks(() =>
        computeConfusionMatrix(model, set, {
          batchSize: 20,
          threads,
          onProgress: (done) => progress.push(done),
        }),
      );
      expect(parallel.content.confusion).toEqual(single.content.confusion);
      expect(progress.at(-1)).toBe(300);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
    }
    const controller = new AbortController();
    const run = computeConfusionMatrix(model, set, {
      batchSize: 20,
      threads: 2,
      signal: controller.signal,
      onProgress: () => controller.abort(new Error('cancelled')),
    });
    await expect(run).rejects.toThrow('cancelled');
  });

  it('summarises true and predicted labels, with null for a class without images', () => {
    const summary = confusionSummary([0, 0, 1, 2], [0, 1, 1, 0], ['a', 'b', 'c', 'd']);
    expect(summary.matrix).toEqual([
      [1, 1, 0, 0],
      [0, 1, 0, 0],
      [1, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
    expect(summary.perClassAccuracy).toEqual([0.5, 1, 0, null]);
    expect(summary.accuracy).toBe(0.5);
    expect(() => confusionSummary([0], [4], ['a', 'b'])).toThrow(RangeError);
  });

  it('works on a small custom model too', async () => {
    const small = buildModel(
      modelSpecSchema.parse({
        layers: [
          { type: 'conv2d', filters: 4, kernelSize: 5, strides: 2, activation: 'tanh' },
          { type: 'averagePooling2d', poolSize: 2 },
          { type: 'conv2d', filters: 6, kernelSize: 3, padding: 'same' },
          { type: 'flatten' },
          { type: 'dense', units: 10, activation: 'softmax' },
        ],
      }),
      { seed: 2 },
    );
    const maps = await withoutLeaks(() => computeFeatureMaps(small, image));
    expect(maps.content.tensors.slice(1).map((t) => t.shape)).toEqual([
      [12, 12, 4],
      [6, 6, 6],
    ]);
    const confusion = await withoutLeaks(() => computeConfusionMatrix(small, set));
    expect(confusion.content.confusion.images).toBe(300);
    small.dispose();
  });
});
