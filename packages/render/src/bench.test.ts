import { describe, expect, it } from 'vitest';
import { benchmarkRenders } from './bench.js';

describe('benchmarkRenders', () => {
  it('times the anchor’s two pictures and reports their sizes', () => {
    const result = benchmarkRenders(1);
    expect(result.featureMapGridMs).toBeGreaterThan(0);
    expect(result.filterGridMs).toBeGreaterThan(0);
    expect(result.featureMapGridSize.width).toBeGreaterThan(1000);
    expect(result.filterGridSize.width).toBeGreaterThan(1000);
    expect(result.filterGridSize.height).toBeLessThan(250);
    expect(() => benchmarkRenders(0)).toThrow(RangeError);
  });
});
