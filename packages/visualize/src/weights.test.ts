import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { modelSpecSchema } from '@convoy/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initializeBackend } from '@convoy/backend';
import { buildModel } from '@convoy/model';
import { VisualizationInputError } from '@convoy/core';
import { computeFilters, computeWeightsHistogram, histogram } from './weights.js';

/** numpy-style reference: mean and population std in float64. */
function reference(values: ArrayLike<number>) {
  const list = Array.from(values);
  const mean = list.reduce((sum, value) => sum + value, 0) / list.length;
  const std = Math.sqrt(list.reduce((sum, value) => sum + (value - mean) ** 2, 0) / list.length);
  return { mean, std, min: Math.min(...list), max: Math.max(...list) };
}

/** Asserts that `action` creates no tensor that outlives it. */
async function withoutLeaks<T>(action: () => T | Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await action();
  expect(tf.memory().numTensors).toBe(before);
  return result;
}

describe('filters and weight histograms', () => {
  let model: tfl.Sequential;
  beforeAll(async () => {
    await initializeBackend('wasm');
    model = buildModel({ preset: 'cnn' }, { seed: 7 });
  });
  afterAll(() => model.dispose());

  it("gives the seed cnn's kernels and biases with their shapes and stats", async () => {
    const first = await withoutLeaks(() => computeFilters(model));
    expect(first.content.layer).toEqual({ index: 0, name: 'conv2d', className: 'Conv2D' });
    expect(first.content.tensors.map((t) => [t.name, t.role, t.file, t.shape])).toEqual([
      ['kernel', 'kernel', 'kernel.f32', [3, 3, 1, 32]],
      ['bias', 'bias', 'bias.f32', [32]],
    ]);
    const second = await withoutLeaks(() => computeFilters(model, 'conv2d_1'));
    expect(second.content.tensors.map((t) => t.shape)).toEqual([[3, 3, 32, 64], [64]]);

    const [kernel, bias] = model.layers[0]!.getWeights();
    const kernelValues = kernel!.dataSync();
    const stored = first.tensors.get('kernel.f32')!;
    expect(Array.from(stored)).toEqual(Array.from(kernelValues));
    expect(Array.from(first.tensors.get('bias.f32')!)).toEqual(Array.from(bias!.dataSync()));
    // The seed's conv_weights.mean(), conv_weights.std().
    const expected = reference(kernelValues);
    const entry = first.content.tensors[0]!;
    expect(entry.mean).toBeCloseTo(expected.mean, 10);
    expect(entry.std).toBeCloseTo(expected.std, 10);
    expect([entry.min, entry.max]).toEqual([expected.min, expected.max]);
    expect(entry.layer?.name).toBe('conv2d');
  });

  it('copies the weights: changing the result leaves the model alone', () => {
    const result = computeFilters(model);
    result.tensors.get('kernel.f32')!.fill(42);
    expect(model.layers[0]!.getWeights()[0]!.dataSync()[0]).not.toBe(42);
  });

  it('omits the bias of a conv layer that has none', () => {
    const noBias = buildModel(
      modelSpecSchema.parse({
        layers: [
          { type: 'conv2d', filters: 4, kernelSize: 3, useBias: false },
          { type: 'flatten' },
          { type: 'dense', units: 10, activation: 'softmax' },
        ],
      }),
      { seed: 1 },
    );
    expect(computeFilters(noBias).content.tensors.map((t) => t.name)).toEqual(['kernel']);
    noBias.dispose();
  });

  it('counts every weight once in the histogram and keeps the raw kernel', async () => {
    const result = await withoutLeaks(() => computeWeightsHistogram(model, 'conv2d_1', 40));
    const { histogram: counts, tensors, layer } = result.content;
    expect(layer.name).toBe('conv2d_1');
    expect(counts.bins).toBe(40);
    expect(counts.counts).toHaveLength(40);
    expect(counts.edges).toHaveLength(41);
    expect(counts.counts.reduce((sum, count) => sum + count, 0)).toBe(3 * 3 * 32 * 64);
    const raw = result.tensors.get(tensors[0]!.file)!;
    expect(raw).toHaveLength(18_432);
    expect(counts.edges[0]).toBe(reference(raw).min);
    expect(counts.edges[40]).toBe(reference(raw).max);
    // Dense kernels too; the default is the first conv layer and matplotlib's 10 bins.
    const dense = computeWeightsHistogram(model, 'dense');
    expect(dense.content.tensors[0]!.shape).toEqual([3136, 100]);
    expect(dense.content.histogram.counts.reduce((a, b) => a + b, 0)).toBe(313_600);
    expect(computeWeightsHistogram(model).content.histogram.bins).toBe(10);
  });

  it('bins like numpy.histogram: half-open bins, the last one closed', () => {
    expect(histogram(Float32Array.of(0, 1, 2, 3, 4), 4)).toEqual({
      bins: 4,
      edges: [0, 1, 2, 3, 4],
      counts: [1, 1, 1, 2],
    });
    expect(histogram(Float32Array.of(0.1, 0.2, 0.30000001, 0.4), 3).counts).toEqual([1, 1, 2]);
    expect(histogram(Float32Array.of(2, 2, 2), 2)).toEqual({
      bins: 2,
      edges: [1.5, 2, 2.5],
      counts: [0, 3],
    });
    expect(() => histogram(Float32Array.of(1), 0)).toThrow(RangeError);
    expect(() => histogram(Float32Array.of(Number.NaN), 3)).toThrow(/NaN/);
  });

  it('agrees with a direct count for random weights and many bin counts', () => {
    const values = Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i * 12.9898) * 0.7);
    for (const bins of [1, 7, 10, 40, 333]) {
      const { edges, counts } = histogram(values, bins);
      const direct = counts.map(
        (_, bin) =>
          values.filter(
            (value) =>
              value >= edges[bin]! &&
              (bin === bins - 1 ? value <= edges[bin + 1]! : value < edges[bin + 1]!),
          ).length,
      );
      expect(counts).toEqual(direct);
    }
  });

  it('rejects layers without a kernel', () => {
    expect(() => computeFilters(model, 'dense')).toThrow(VisualizationInputError);
    expect(() => computeWeightsHistogram(model, 'dropout')).toThrow(VisualizationInputError);
  });
});
