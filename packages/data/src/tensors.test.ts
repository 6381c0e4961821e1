import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_PIXELS } from './image-set.js';
import type { ImageSet } from './image-set.js';
import { imagesToTensor, labelsToTensor } from './tensors.js';

function makeSet(count: number): ImageSet {
  const images = Uint8Array.from({ length: count * IMAGE_PIXELS }, (_, i) => (i * 5) % 256);
  images[0] = 0;
  images[1] = 255;
  images[2] = 51;
  return { images, labels: Uint8Array.from({ length: count }, (_, i) => i % 10), count };
}

describe('tensors', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('imagesToTensor gives float32 [N, 28, 28, 1] in [0, 1] without leaking', () => {
    const set = makeSet(3);
    const before = tf.memory().numTensors;
    const tensor = imagesToTensor(set);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(tensor.shape).toEqual([3, 28, 28, 1]);
    expect(tensor.dtype).toBe('float32');
    const values = tensor.dataSync();
    expect(values[0]).toBe(0);
    expect(values[1]).toBe(1);
    expect(values[2]).toBeCloseTo(0.2, 6);
    expect(values[IMAGE_PIXELS + 7]).toBeCloseTo(set.images[IMAGE_PIXELS + 7]! / 255, 6);
    expect(values.every((v) => v >= 0 && v <= 1)).toBe(true);
    tensor.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('labelsToTensor gives float32 class ids without leaking', () => {
    const before = tf.memory().numTensors;
    const tensor = labelsToTensor(makeSet(12));
    expect(tensor.shape).toEqual([12]);
    expect(tensor.dtype).toBe('float32');
    expect(Array.from(tensor.dataSync())).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    tensor.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('handles an empty set', () => {
    const images = imagesToTensor({
      images: new Uint8Array(0),
      labels: new Uint8Array(0),
      count: 0,
    });
    expect(images.shape).toEqual([0, 28, 28, 1]);
    images.dispose();
  });
});
