import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ImageSet } from '@convoy/data';
import {
  VISUALIZATION_KINDS,
  visualizationManifestSchema,
  visualizationParamsSchema,
  type VisualizationManifest,
} from '@convoy/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initializeBackend } from '@convoy/backend';
import { buildModel } from '@convoy/model';
import {
  canonicalJson,
  decodeTensorFile,
  encodeGrayscalePng,
  encodeTensorFile,
  visualizationCacheKey,
  VisualizationInputError,
} from '@convoy/core';
import { computeVisualization, visualizationFiles } from './compute-visualization.js';

const JOB = 'train_0000abcd1234';
const params = (input: Record<string, unknown>) =>
  visualizationParamsSchema.parse({ jobId: JOB, ...input });

/** A 28×28 grayscale PNG (base64) of the pixel values `value` gives each index. */
const grayPng = (value: (i: number) => number) =>
  encodeGrayscalePng(Uint8Array.from({ length: 784 }, (_, i) => value(i))).toString('base64');

describe('cache keys', () => {
  it('is the same for equal requests, whatever their spelling', async () => {
    const key = visualizationCacheKey(params({ kind: 'filters', layer: 'conv2d_1' }));
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(visualizationCacheKey({ kind: 'filters', layer: 'conv2d_1', jobId: JOB })).toBe(key);
    expect(
      visualizationCacheKey({ jobId: JOB, kind: 'filters', layer: 'conv2d_1', weights: 'trained' }),
    ).toBe(key);
    // Defaults are filled in; what a kind ignores is left out.
    expect(visualizationCacheKey(params({ kind: 'feature-maps' }))).toBe(
      visualizationCacheKey(params({ kind: 'feature-maps', sample: 0 })),
    );
    expect(visualizationCacheKey(params({ kind: 'confusion-matrix', layer: 3 }))).toBe(
      visualizationCacheKey(params({ kind: 'confusion-matrix' })),
    );
    const png = grayPng((i) => i % 256);
    expect(visualizationCacheKey(params({ kind: 'predictions', image: png }))).toBe(
      visualizationCacheKey(params({ kind: 'predictions', image: `data:image/png;base64,${png}` })),
    );
  });

  it('differs when anything that changes the result differs', async () => {
    const requests = [
      { kind: 'filters' },
      { kind: 'filters', layer: 0 },
      { kind: 'filters', layer: 'conv2d' },
      { kind: 'filters', layer: 2 },
      { kind: 'filters', weights: 'untrained' },
      { kind: 'filters', jobId: 'train_0000abcd1235' },
      { kind: 'weights-histogram' },
      { kind: 'feature-maps' },
      { kind: 'feature-maps', sample: 1 },
      { kind: 'feature-maps', image: grayPng((i) => i % 256) },
      { kind: 'feature-maps', image: grayPng((i) => (i + 1) % 256) },
      { kind: 'predictions' },
      { kind: 'confusion-matrix' },
      { kind: 'confusion-matrix', weights: 'untrained' },
    ];
    const keys = requests.map((request) => visualizationCacheKey(params(request)));
    expect(new Set(keys).size).toBe(requests.length);
  });

  it('writes canonical JSON with sorted keys', () => {
    expect(canonicalJson({ b: [1, { d: null, c: 'x' }], a: true, skip: undefined })).toBe(
      '{"a":true,"b":[1,{"c":"x","d":null}]}',
    );
  });
});

describe('tensor files', () => {
  it('round-trips float32 values as raw little-endian bytes', () => {
    const values = Float32Array.of(0, -1.5, 3.25e-8, 1e30, -0);
    const bytes = encodeTensorFile(values);
    expect(bytes).toHaveLength(20);
    expect(new DataView(bytes.buffer).getFloat32(4, true)).toBe(-1.5);
    expect(Array.from(decodeTensorFile(bytes, [5]))).toEqual(Array.from(values));
    // At an odd offset, as in a pooled Buffer.
    const shifted = new Uint8Array(21);
    shifted.set(bytes, 1);
    expect(Array.from(decodeTensorFile(shifted.subarray(1), [5, 1]))).toEqual(Array.from(values));
    expect(() => decodeTensorFile(bytes, [4])).toThrow(/shape \[4\] needs 4/);
    expect(() => decodeTensorFile(bytes.subarray(0, 6))).toThrow(/multiple of 4/);
  });
});

describe('computeVisualization', () => {
  let model: tfl.Sequential;
  let testSet: ImageSet;
  const now = new Date('2024-05-01T12:00:00.000Z');
  beforeAll(async () => {
    await initializeBackend('wasm');
    model = buildModel({ preset: 'cnn' }, { seed: 11 });
    testSet = {
      images: Uint8Array.from({ length: 40 * 784 }, (_, i) => (i * 31) % 256),
      labels: Uint8Array.from({ length: 40 }, (_, i) => i % 10),
      count: 40,
    };
  });
  afterAll(() => model.dispose());

  async function run(input: Record<string, unknown>): Promise<VisualizationManifest> {
    const before = tf.memory().numTensors;
    const request = params(input);
    const result = await computeVisualization(request, { model, testSet }, { now });
    expect(tf.memory().numTensors).toBe(before);
    const { manifest } = result;
    expect(visualizationManifestSchema.parse(JSON.parse(JSON.stringify(manifest)))).toEqual(
      manifest,
    );
    expect(manifest).toMatchObject({
      version: 1,
      trainJobId: JOB,
      cacheKey: visualizationCacheKey(request),
      createdAt: '2024-05-01T12:00:00.000Z',
      weights: request.weights,
    });
    // Every tensor's file holds its shape's worth of values.
    const files = visualizationFiles(result);
    expect([...files.keys()]).toEqual(['manifest.json', ...manifest.tensors.map((t) => t.file)]);
    for (const tensor of manifest.tensors) {
      const values = decodeTensorFile(files.get(tensor.file)!, tensor.shape);
      expect(Array.from(values)).toEqual(Array.from(result.tensors.get(tensor.file)!));
    }
    expect(JSON.parse(new TextDecoder().decode(files.get('manifest.json')))).toEqual(manifest);
    return manifest;
  }

  it('produces a valid manifest for every kind', async () => {
    const kinds: string[] = [];
    const filters = await run({ kind: 'filters', weights: 'untrained' });
    kinds.push(filters.kind);
    if (filters.kind === 'filters') expect(filters.layer.name).toBe('conv2d');
    const histogram = await run({ kind: 'weights-histogram', layer: 2 });
    kinds.push(histogram.kind);
    if (histogram.kind === 'weights-histogram') expect(histogram.histogram.bins).toBe(10);
    const maps = await run({ kind: 'feature-maps', sample: 3 });
    kinds.push(maps.kind);
    if (maps.kind === 'feature-maps') {
      expect(maps.input).toMatchObject({ source: 'test-set', sample: 3, label: 3 });
      expect(maps.tensors.map((t) => t.shape)).toEqual([
        [28, 28],
        [28, 28, 32],
        [14, 14, 64],
      ]);
    }
    const predictions = await run({ kind: 'predictions', image: grayPng((i) => i % 200) });
    kinds.push(predictions.kind);
    if (predictions.kind === 'predictions') expect(predictions.input.source).toBe('upload');
    const confusion = await run({ kind: 'confusion-matrix' });
    kinds.push(confusion.kind);
    if (confusion.kind === 'confusion-matrix') expect(confusion.confusion.images).toBe(40);
    const mistakes = await run({ kind: 'misclassified' });
    kinds.push(mistakes.kind);
    if (mistakes.kind === 'misclassified') {
      const { misclassified } = mistakes;
      expect(misclassified).toMatchObject({ images: 40, perClassImages: new Array(10).fill(4) });
      // An untrained model gets most of them wrong; every item is a mistake of its true class.
      expect(misclassified.errors).toBeGreaterThan(0);
      expect(misclassified.items.length).toBe(Math.min(misclassified.errors, 10 * 16));
      for (const item of misclassified.items) {
        expect(item.label).toBe(item.sample % 10);
        expect(item.predicted).not.toBe(item.label);
      }
      expect(mistakes.tensors.map((t) => [t.role, t.shape])).toEqual([
        ['images', [misclassified.items.length, 28, 28]],
        ['labels', [40]],
        ['predicted', [40]],
        ['confidence', [40]],
      ]);
      // The same counts as the confusion matrix's off-diagonal.
      if (confusion.kind === 'confusion-matrix')
        expect(misclassified.perClassErrors).toEqual(
          confusion.confusion.matrix.map((row, index) =>
            row.reduce((total, count, column) => total + (column === index ? 0 : count), 0),
          ),
        );
    }
    expect(kinds).toEqual([...VISUALIZATION_KINDS]);
  });

  it('uses test image 0 when feature maps or predictions name no input', async () => {
    const manifest = await run({ kind: 'predictions' });
    expect(manifest.kind === 'predictions' && manifest.input).toMatchObject({ sample: 0 });
  });

  it('turns requests that do not fit the model or data into VisualizationInputError', async () => {
    const compute = (input: Record<string, unknown>) =>
      computeVisualization(params(input), { model, testSet });
    await expect(compute({ kind: 'filters', layer: 'dense' })).rejects.toThrow(
      VisualizationInputError,
    );
    await expect(compute({ kind: 'feature-maps', sample: 40 })).rejects.toMatchObject({
      code: 'sample-out-of-range',
    });
    await expect(compute({ kind: 'predictions', image: 'AAAA' })).rejects.toMatchObject({
      code: 'invalid-image',
    });
    await expect(
      computeVisualization(params({ kind: 'confusion-matrix' }), { model }),
    ).rejects.toThrow(/test set is needed/);
  });
});

describe('the manifest schema', () => {
  const base = {
    version: 1,
    trainJobId: JOB,
    weights: 'trained',
    cacheKey: 'a'.repeat(64),
    createdAt: '2024-05-01T12:00:00.000Z',
  };
  const tensor = (name: string, role: string, file: string) => ({
    name,
    role,
    file,
    shape: [2],
    dtype: 'float32',
    min: 0,
    max: 1,
    mean: 0.5,
    std: 0.5,
  });
  const layer = { index: 0, name: 'conv2d', className: 'Conv2D' };

  it('accepts a well-formed manifest and rejects broken ones', () => {
    const filters = {
      ...base,
      kind: 'filters',
      layer,
      tensors: [tensor('kernel', 'kernel', 'kernel.f32')],
    };
    expect(visualizationManifestSchema.safeParse(filters).success).toBe(true);
    const broken = [
      { ...filters, tensors: [] },
      { ...filters, tensors: [tensor('kernel', 'kernel', '../kernel.f32')] },
      {
        ...filters,
        tensors: [tensor('kernel', 'kernel', 'a.f32'), tensor('kernel', 'bias', 'b.f32')],
      },
      { ...filters, tensors: [{ ...tensor('kernel', 'kernel', 'k.f32'), dtype: 'float64' }] },
      { ...filters, tensors: [{ ...tensor('kernel', 'kernel', 'k.f32'), mean: Number.NaN }] },
      { ...filters, layer: undefined },
      { ...filters, cacheKey: 'xyz' },
      { ...filters, trainJobId: 'visualize_0000abcd1234' },
      { ...filters, extra: 1 },
      {
        ...base,
        kind: 'weights-histogram',
        layer,
        tensors: [tensor('kernel', 'kernel', 'kernel.f32')],
        histogram: { bins: 2, edges: [0, 1], counts: [1, 1] },
      },
      {
        ...base,
        kind: 'predictions',
        input: { source: 'test-set', sample: 0, label: 1, className: 'Trouser' },
        tensors: [
          tensor('input', 'input', 'input.f32'),
          tensor('probabilities', 'probabilities', 'p.f32'),
        ],
        predictions: [
          { classIndex: 0, className: 'T-shirt/top', probability: 0.2 },
          { classIndex: 1, className: 'Trouser', probability: 0.8 },
        ],
      },
      {
        ...base,
        kind: 'confusion-matrix',
        tensors: [],
        confusion: {
          classNames: ['a', 'b'],
          matrix: [[1, 0]],
          perClassAccuracy: [1, null],
          accuracy: 1,
          images: 1,
        },
      },
    ];
    for (const manifest of broken)
      expect(
        visualizationManifestSchema.safeParse(manifest).success,
        JSON.stringify(manifest),
      ).toBe(false);
  });
});
