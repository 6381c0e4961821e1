import { describe, expect, it } from 'vitest';
import { formatTick, niceTicks } from './ticks.js';

describe('ticks', () => {
  it('picks 1-2-2.5-5 steps inside the range', () => {
    expect(niceTicks(0.18, 0.54, 8)).toEqual([0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]);
    expect(niceTicks(0, 70, 8)).toEqual([0, 10, 20, 30, 40, 50, 60, 70]);
    expect(niceTicks(-0.7, 0.7, 8)).toEqual([-0.6, -0.4, -0.2, 0, 0.2, 0.4, 0.6]);
  });

  it('keeps integer axes on whole numbers', () => {
    expect(niceTicks(0.7, 7.3, 10, true)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(niceTicks(0.9, 1.1, 5, true)).toEqual([1]);
  });

  it('formats with the step’s precision and a true minus sign', () => {
    expect(formatTick(0.25, 0.05)).toBe('0.25');
    expect(formatTick(-0.4, 0.2)).toBe('\u22120.4');
    expect(formatTick(10, 10)).toBe('10');
    expect(formatTick(-0, 0.1)).toBe('0.0');
  });
});
