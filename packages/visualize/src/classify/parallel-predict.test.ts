import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageSet } from '@convoy/data';
import { initializeBackend } from '@convoy/backend';
import { buildModel } from '@convoy/model';
import { predictClasses } from './predict-classes.js';
import { predictClassesInParallel } from './parallel-predict.js';

beforeAll(async () => {
  await initializeBackend('wasm');
});

function imageSet(count: number): ImageSet {
  const images = Uint8Array.from({ length: count * 784 }, (_, i) => (i * 2654435761) % 251);
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
  return { images, labels, count };
}

describe('predictClassesInParallel', () => {
  it('shares the chunks out between threads and predicts what one thread predicts', async () => {
    const model = buildModel({ preset: 'cnn' }, { seed: 8 });
    // Enough chunks that the replicas, which need a moment to start, get some of them.
    const set = imageSet(4000);
    const single = await predictClasses(model, set, { batchSize: 25 });
    const before = tf.memory().numTensors;
    const parallel = await predictClassesInParallel(model, set, { threads: 2, chunkSize: 25 });
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(parallel.predictions)).toEqual(Array.from(single));
    expect(parallel.chunksByThread).toHaveLength(2);
    expect(parallel.chunksByThread.reduce((a, b) => a + b, 0)).toBe(160);
    expect(Math.min(...parallel.chunksByThread)).toBeGreaterThan(0);
    // More than one class predicted: the equality is about the model's outputs.
    expect(new Set(single).size).toBeGreaterThan(1);
    model.dispose();
  });
});
