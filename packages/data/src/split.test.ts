import { describe, expect, it } from 'vitest';
import { IMAGE_PIXELS, NUM_CLASSES, countPerClass, selectImages } from './image-set.js';
import type { ImageSet } from './image-set.js';
import { classQuotas, splitTrainingData } from './split.js';

/**
 * A class-ordered pool like the embedded training set; each image's first three pixels hold
 * its index, so tests can tell which pool images ended up where.
 */
function makePool(perClass: number): ImageSet {
  const count = perClass * NUM_CLASSES;
  const images = new Uint8Array(count * IMAGE_PIXELS);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    images.set([i & 0xff, (i >> 8) & 0xff, (i >> 16) & 0xff], i * IMAGE_PIXELS);
    labels[i] = Math.floor(i / perClass);
  }
  return { images, labels, count };
}

function ids(set: ImageSet): number[] {
  return Array.from({ length: set.count }, (_, i) => {
    const o = i * IMAGE_PIXELS;
    return set.images[o]! | (set.images[o + 1]! << 8) | (set.images[o + 2]! << 16);
  });
}

/** Byte equality without vitest's element-by-element diffing, which is slow on megabytes. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(
    Buffer.from(b.buffer, b.byteOffset, b.length),
  );
}

const pool = makePool(6000);

describe('splitTrainingData', () => {
  it('limit 12000 with validationSplit 0.2 gives 9,600 train + 2,400 validation, balanced by class', () => {
    const { train, validation } = splitTrainingData(pool, {
      limit: 12000,
      validationSplit: 0.2,
      seed: 42,
    });
    expect(train.count).toBe(9600);
    expect(validation.count).toBe(2400);
    expect(train.images.length).toBe(9600 * IMAGE_PIXELS);
    const selected = [...ids(train), ...ids(validation)];
    expect(new Set(selected).size).toBe(12000);
    const poolCounts = countPerClass(Uint8Array.from(selected, (id) => pool.labels[id]!));
    expect(poolCounts).toEqual(new Array(NUM_CLASSES).fill(1200));
    // Labels travel with their images.
    expect(Array.from(train.labels)).toEqual(ids(train).map((id) => pool.labels[id]));
  });

  it('without a limit uses the whole pool: 48,000 + 12,000, no overlap', () => {
    const { train, validation } = splitTrainingData(pool, { validationSplit: 0.2, seed: 42 });
    expect([train.count, validation.count]).toEqual([48000, 12000]);
    const trainIds = new Set(ids(train));
    expect(ids(validation).some((id) => trainIds.has(id))).toBe(false);
    expect(new Set([...trainIds, ...ids(validation)]).size).toBe(60000);
  });

  it('shuffles: validation is spread over all classes, not the last rows', () => {
    const { validation } = splitTrainingData(pool, { validationSplit: 0.2, seed: 42 });
    for (const count of countPerClass(validation.labels)) {
      expect(count).toBeGreaterThan(1050);
      expect(count).toBeLessThan(1350);
    }
  });

  it('spreads a limit that is not a multiple of 10 over the first classes', () => {
    const { train, validation } = splitTrainingData(pool, {
      limit: 1005,
      validationSplit: 0.1,
      seed: 1,
    });
    expect([train.count, validation.count]).toEqual([904, 101]);
    const labels = Uint8Array.from([...train.labels, ...validation.labels]);
    expect(countPerClass(labels)).toEqual([101, 101, 101, 101, 101, 100, 100, 100, 100, 100]);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const options = { limit: 2000, validationSplit: 0.2 };
    const a = splitTrainingData(pool, { ...options, seed: 42 });
    const b = splitTrainingData(pool, { ...options, seed: 42 });
    const c = splitTrainingData(pool, { ...options, seed: 43 });
    expect(sameBytes(b.train.images, a.train.images)).toBe(true);
    expect(sameBytes(b.validation.images, a.validation.images)).toBe(true);
    expect(b.validation.labels).toEqual(a.validation.labels);
    expect(sameBytes(c.train.images, a.train.images)).toBe(false);
    expect(ids(c.train)).not.toEqual(ids(a.train));
    expect(new Set(ids(c.validation))).not.toEqual(new Set(ids(a.validation)));
  });

  it('picks a smaller limit as a subset of a larger one for the same seed', () => {
    const selected = (limit: number): Set<number> => {
      const { train, validation } = splitTrainingData(pool, {
        limit,
        validationSplit: 0.2,
        seed: 9,
      });
      return new Set([...ids(train), ...ids(validation)]);
    };
    const large = selected(3000);
    expect([...selected(1000)].every((id) => large.has(id))).toBe(true);
  });

  it('allows validationSplit 0', () => {
    const { train, validation } = splitTrainingData(pool, {
      limit: 100,
      validationSplit: 0,
      seed: 1,
    });
    expect([train.count, validation.count]).toEqual([100, 0]);
    expect(validation.images.length).toBe(0);
  });

  it('rejects bad limits and validation splits with clear errors', () => {
    const split = (limit: number | undefined, validationSplit: number) => () =>
      splitTrainingData(pool, { limit, validationSplit, seed: 1 });
    expect(split(60001, 0.2)).toThrow(
      'limit must be an integer between 10 and the pool size 60000, got 60001',
    );
    expect(split(9, 0.2)).toThrow(RangeError);
    expect(split(100.5, 0.2)).toThrow(RangeError);
    expect(split(undefined, -0.1)).toThrow('validationSplit must be in [0, 0.9], got -0.1');
    expect(split(undefined, 0.95)).toThrow(RangeError);
    expect(split(undefined, Number.NaN)).toThrow(RangeError);
  });
});

describe('classQuotas', () => {
  it('passes the share of a class that runs short on to the others', () => {
    expect(classQuotas([5, 100, 100], 30)).toEqual([5, 13, 12]);
    expect(classQuotas([3, 3, 3], 9)).toEqual([3, 3, 3]);
    expect(() => classQuotas([3, 3], 7)).toThrow(RangeError);
  });
});

describe('selectImages', () => {
  it('copies the chosen images and labels in the given order', () => {
    const small = makePool(2);
    const picked = selectImages(small, [5, 0, 5]);
    expect(picked.count).toBe(3);
    expect(ids(picked)).toEqual([5, 0, 5]);
    expect(Array.from(picked.labels)).toEqual([2, 0, 2]);
    picked.images[0] = 99;
    expect(small.images[5 * IMAGE_PIXELS]).toBe(5);
  });

  it('rejects indices outside the set', () => {
    expect(() => selectImages(makePool(1), [10])).toThrow(RangeError);
    expect(() => selectImages(makePool(1), [-1])).toThrow(RangeError);
  });
});
