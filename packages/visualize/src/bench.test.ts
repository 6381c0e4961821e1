import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initializeBackend } from '@convoy/backend';
import { benchmarkInference } from './bench.js';

beforeAll(async () => {
  await initializeBackend('wasm');
});

describe('benchmarks', () => {
  it('measure inference as visualization jobs run it, leaving no tensors', async () => {
    const before = tf.memory().numTensors;
    const result = await benchmarkInference({
      model: { preset: 'cnn-avgpool' },
      images: 600,
      featureMapRuns: 2,
    });
    expect(result.confusionMatrix.images).toBe(600);
    expect(result.confusionMatrix.imagesPerSecond).toBeGreaterThan(0);
    expect(Number.isFinite(result.confusionMatrix.imagesPerSecond)).toBe(true);
    expect(result.featureMaps.runs).toBe(2);
    expect(result.featureMaps.msPerImage).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
  });
});
