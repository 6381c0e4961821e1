import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classFilePath, resolveEmbeddedPackageDir } from './embedded-source.js';
import { makeTempDir } from './fake-package.test-helper.js';
import { IMAGE_PIXELS, countPerClass } from './image-set.js';
import { loadFashionMnistDetailed } from './load.js';
import { imagesToTensor } from './tensors.js';

// The one test that reads the real package (150 MB of JSON): a few seconds.
describe('the real embedded fashion-mnist package', () => {
  let dataDir = '';
  let cleanup: () => Promise<void> = async () => undefined;
  beforeAll(async () => {
    ({ dir: dataDir, cleanup } = await makeTempDir('real'));
    await tf.setBackend('cpu');
  });
  afterAll(async () => cleanup());

  it('converts to 60,000 train / 10,000 test images without the 2 empty records, then loads from the cache', async () => {
    const first = await loadFashionMnistDetailed({ dataDir: join(dataDir, 'data') });
    const { train, test, droppedRecords, source } = first.dataset;
    expect(first.cache).toBe('built');
    expect(source).toBe('embedded');
    expect(droppedRecords).toBe(2);
    expect([train.count, test.count]).toEqual([60000, 10000]);
    expect(train.images.length).toBe(60000 * IMAGE_PIXELS);
    expect(countPerClass(train.labels)).toEqual(new Array(10).fill(6000));
    expect(countPerClass(test.labels)).toEqual(new Array(10).fill(1000));

    // Class 0: records 0..999 are test data; 1000 is empty; training starts at record 1001.
    const class0 = (
      JSON.parse(await readFile(classFilePath(resolveEmbeddedPackageDir(), 0), 'utf8')) as {
        data: number[][];
      }
    ).data;
    expect(Array.from(test.images.subarray(0, IMAGE_PIXELS))).toEqual(class0[0]);
    expect(Array.from(train.images.subarray(0, IMAGE_PIXELS))).toEqual(class0[1001]);
    expect(Array.from(train.images.subarray(5999 * IMAGE_PIXELS, 6000 * IMAGE_PIXELS))).toEqual(
      class0[7000],
    );

    // As the model will see them: no NaN, all in [0, 1], and not blank.
    const stats = tf.tidy(() => {
      const x = imagesToTensor(test);
      return [tf.any(tf.isNaN(x)), tf.min(x), tf.max(x), tf.mean(x)].map((t) => t.dataSync()[0]);
    });
    expect(stats[0]).toBe(0);
    expect(stats[1]).toBe(0);
    expect(stats[2]).toBe(1);
    expect(stats[3]).toBeGreaterThan(0.2);

    const second = await loadFashionMnistDetailed({ dataDir: join(dataDir, 'data') });
    expect(second.cache).toBe('hit');
    expect(Buffer.from(second.dataset.train.images).equals(Buffer.from(train.images))).toBe(true);
    expect(second.dataset.test.labels).toEqual(test.labels);
    expect(second.dataset.droppedRecords).toBe(2);
  });
});
