import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initializeBackend } from '@convoy/backend';
import { benchmarkTraining } from './bench.js';

beforeAll(async () => {
  await initializeBackend('wasm');
});

describe('benchmarks', () => {
  it('measure training throughput on the threads asked for, leaving no tensors', async () => {
    const before = tf.memory().numTensors;
    const result = await benchmarkTraining({
      model: { preset: 'cnn-avgpool' },
      batchSize: 32,
      images: 64,
      threads: 2,
    });
    expect(result).toMatchObject({ images: 64, batchSize: 32, threads: 2 });
    expect(result.imagesPerSecond).toBeGreaterThan(0);
    expect(result.imagesPerSecond).toBeCloseTo(64 / result.seconds, 6);
    expect(tf.memory().numTensors).toBe(before);
  });
});
