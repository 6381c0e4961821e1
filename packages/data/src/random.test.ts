import { describe, expect, it } from 'vitest';
import { createRandom, shuffleIndices } from './random.js';

describe('createRandom', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    const take = (seed: number): number[] => {
      const random = createRandom(seed);
      return Array.from({ length: 5 }, () => random());
    };
    expect(take(42)).toEqual(take(42));
    expect(take(42)).not.toEqual(take(43));
  });

  it('returns floats in [0, 1) that look uniform', () => {
    const random = createRandom(7);
    const values = Array.from({ length: 10_000 }, () => random());
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
  });

  it('rejects a seed that is not a finite number', () => {
    expect(() => createRandom(Number.NaN)).toThrow(RangeError);
  });
});

describe('shuffleIndices', () => {
  it('returns a permutation of 0..count-1', () => {
    const order = shuffleIndices(1000, createRandom(1));
    expect(order).toBeInstanceOf(Uint32Array);
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect([...order]).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('is deterministic for a seed', () => {
    expect(shuffleIndices(100, createRandom(5))).toEqual(shuffleIndices(100, createRandom(5)));
    expect(shuffleIndices(100, createRandom(5))).not.toEqual(shuffleIndices(100, createRandom(6)));
  });

  it('handles empty and single-element inputs and rejects bad counts', () => {
    expect(shuffleIndices(0, createRandom(1)).length).toBe(0);
    expect([...shuffleIndices(1, createRandom(1))]).toEqual([0]);
    expect(() => shuffleIndices(-1, createRandom(1))).toThrow(RangeError);
    expect(() => shuffleIndices(2.5, createRandom(1))).toThrow(RangeError);
  });

  it('puts every element in every position about equally often', () => {
    const random = createRandom(3);
    const counts = Array.from({ length: 4 }, () => new Array<number>(4).fill(0));
    for (let trial = 0; trial < 8000; trial++) {
      shuffleIndices(4, random).forEach((value, position) => (counts[value]![position]! += 1));
    }
    for (const row of counts)
      for (const count of row) expect(Math.abs(count - 2000)).toBeLessThan(200);
  });
});
