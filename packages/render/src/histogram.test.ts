import { describe, expect, it } from 'vitest';
import { histogram, meanStd, renderHistogram } from './histogram.js';
import { decode, type Decoded } from './png.test-helper.js';

const C0 = '#1f77b4';

/** Height in pixels of the bar colour in every column (0 where there is none). */
function barHeights(png: Decoded, hex: string): number[] {
  const heights: number[] = [];
  for (let x = 0; x < png.width; x++) {
    let n = 0;
    for (let y = 0; y < png.height; y++) if (png.is(x, y, hex, 2)) n++;
    heights.push(n);
  }
  return heights;
}

/** Where the tallest column lies within the bars, as a fraction of their width. */
function peakFraction(heights: readonly number[]): number {
  const first = heights.findIndex((h) => h > 0);
  const last = heights.length - 1 - [...heights].reverse().findIndex((h) => h > 0);
  const peak = heights.indexOf(Math.max(...heights));
  return (peak - first + 0.5) / (last - first + 1);
}

describe('histogram', () => {
  it('bins like numpy.histogram (last bin closed)', () => {
    const { counts, edges } = histogram(new Float32Array([0, 0.1, 0.5, 1]), 2);
    expect(edges).toEqual([0, 0.5, 1]);
    expect(counts).toEqual([2, 2]);
    expect(histogram(new Float32Array([3, 3]), 4).counts).toEqual([0, 0, 2, 0]);
  });

  it('computes population mean and std, skipping non-finite values', () => {
    const { mean, std } = meanStd(new Float32Array([1, 2, 3, 4, Number.NaN]));
    expect(mean).toBeCloseTo(2.5);
    expect(std).toBeCloseTo(Math.sqrt(1.25));
  });
});

describe('renderHistogram', () => {
  it('puts the tallest bar where the data peaks', async () => {
    const values = new Float32Array(200);
    for (let i = 0; i < 100; i++) values[i] = -1 + (2 * i) / 99;
    values.fill(0.3, 100);
    const image = renderHistogram({ values, title: 'conv2d' });
    expect([image.width, image.height]).toEqual([640, 480]);
    const png = await decode(image);
    expect([png.width, png.height]).toEqual([640, 480]);
    // 10 bins over [−1, 1]: 0.3 falls in bin 6 of 10.
    const f = peakFraction(barHeights(png, C0));
    expect(f).toBeGreaterThan(0.6);
    expect(f).toBeLessThan(0.7);
  });

  it('draws precomputed counts and edges', async () => {
    const png = await decode(
      renderHistogram({
        counts: [1, 2, 3, 10, 4, 2],
        edges: [0, 1, 2, 3, 4, 5, 6],
        width: 500,
        height: 400,
      }),
    );
    expect([png.width, png.height]).toEqual([500, 400]);
    const f = peakFraction(barHeights(png, C0));
    expect(f).toBeGreaterThan(3 / 6);
    expect(f).toBeLessThan(4 / 6);
  });

  it('overlays a second series in the second colour', async () => {
    const values = new Float32Array(100).map((_, i) => (i - 50) / 100);
    const untrained = histogram(
      new Float32Array(100).map((_, i) => (i - 50) / 500),
      10,
    );
    const png = await decode(
      renderHistogram({
        values,
        compare: { ...untrained, label: 'untrained', mean: 0, std: 0.06 },
      }),
    );
    // #ff7f0e at alpha 0.55 over white.
    let orange = 0;
    for (let y = 0; y < png.height; y += 2) {
      for (let x = 0; x < png.width; x += 2) if (png.is(x, y, '#ffb97b', 4)) orange++;
    }
    expect(orange).toBeGreaterThan(50);
  });

  it('rejects inconsistent counts and edges', () => {
    expect(() => renderHistogram({ counts: [1, 2], edges: [0, 1] })).toThrow(RangeError);
    expect(() => renderHistogram({ counts: [1, 2], edges: [0, 2, 1] })).toThrow(RangeError);
    expect(() => renderHistogram({})).toThrow(RangeError);
  });
});
