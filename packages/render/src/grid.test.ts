import { describe, expect, it } from 'vitest';
import { renderFeatureMaps, renderFilterGrid, renderImageGrid, renderInputImage } from './grid.js';
import { decode, hexOf } from './png.test-helper.js';

const VIRIDIS_TOP = '#fde725';
const VIRIDIS_BOTTOM = '#440154';

/** Centre of tile i in a grid laid out with `margin`, tile size and spacing (no title, no labels). */
function centre(i: number, cols: number, tile: number, spacing: number, margin: number) {
  return {
    x: margin + (i % cols) * (tile + spacing) + tile / 2,
    y: margin + Math.floor(i / cols) * (tile + spacing) + tile / 2,
  };
}

/** A [KH, KW, 1, CO] kernel whose filter f is filled with value(f, y, x). */
function kernel(
  kh: number,
  kw: number,
  co: number,
  value: (f: number, y: number, x: number) => number,
) {
  const k = new Float32Array(kh * kw * co);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++)
      for (let f = 0; f < co; f++) k[(y * kw + x) * co + f] = value(f, y, x);
  }
  return k;
}

describe('renderFilterGrid', () => {
  it('lays 32 filters out 2×16 and maps vmax/vmin to the top/bottom of viridis, clamping beyond', async () => {
    // Filter f: 0.5 (vmax) when f % 4 = 0, −0.5 (vmin) when 1, 3 (beyond vmax) when 2, −3 when 3.
    const fill = [0.5, -0.5, 3, -3];
    const k = kernel(3, 3, 32, (f) => fill[f % 4] ?? 0);
    const image = renderFilterGrid(k, [3, 3, 1, 32], { scale: 10, spacing: 4 });
    const png = await decode(image);
    expect(image.format).toBe('png');
    expect(image.contentType).toBe('image/png');
    expect([png.width, png.height]).toEqual([image.width, image.height]);
    // margin max(8, spacing) = 8: 16 tiles of 30 px + 15 gaps of 4; 2 rows.
    expect(png.width).toBe(8 * 2 + 16 * 30 + 15 * 4);
    expect(png.height).toBe(8 * 2 + 2 * 30 + 4);
    for (let f = 0; f < 32; f++) {
      const { x, y } = centre(f, 16, 30, 4, 8);
      const want = f % 2 === 0 ? VIRIDIS_TOP : VIRIDIS_BOTTOM;
      expect(hexOf(png.pixel(x, y)), `filter ${f}`).toBe(want);
    }
    // Gaps between tiles are white.
    expect(hexOf(png.pixel(8 + 30 + 2, 20))).toBe('#ffffff');
  });

  it('puts kernel x along columns and y along rows, reading [KH, KW, CI, CO] order', async () => {
    // Filter 5: +0.5 at (y 0, x 2), −0.5 elsewhere; so only its top-right pixel is bright.
    const k = kernel(3, 3, 32, (f, y, x) => (f === 5 && y === 0 && x === 2 ? 0.5 : -0.5));
    const png = await decode(renderFilterGrid(k, [3, 3, 1, 32], { scale: 10, spacing: 4 }));
    const x0 = 8 + 5 * 34;
    expect(hexOf(png.pixel(x0 + 25, 8 + 5))).toBe(VIRIDIS_TOP);
    expect(hexOf(png.pixel(x0 + 5, 8 + 5))).toBe(VIRIDIS_BOTTOM);
    expect(hexOf(png.pixel(x0 + 25, 8 + 25))).toBe(VIRIDIS_BOTTOM);
  });

  it('shows the chosen input channel', async () => {
    // [3, 3, 2, 4]: channel 0 all −0.5, channel 1 all +0.5.
    const k = new Float32Array(3 * 3 * 2 * 4);
    for (let p = 0; p < 9; p++) for (let c = 0; c < 4; c++) k[p * 8 + 4 + c] = 0.5;
    for (let p = 0; p < 9; p++) for (let c = 0; c < 4; c++) k[p * 8 + c] = -0.5;
    const first = await decode(renderFilterGrid(k, [3, 3, 2, 4], { scale: 10, spacing: 4 }));
    const second = await decode(
      renderFilterGrid(k, [3, 3, 2, 4], { scale: 10, spacing: 4, inputChannel: 1 }),
    );
    expect(first.width).toBe(8 * 2 + 4 * 30 + 3 * 4);
    expect(hexOf(first.pixel(8 + 15, 8 + 15))).toBe(VIRIDIS_BOTTOM);
    expect(hexOf(second.pixel(8 + 15, 8 + 15))).toBe(VIRIDIS_TOP);
  });

  it('uses 4×16 for 64 filters and the seed-like default size for 32', async () => {
    const k64 = kernel(3, 3, 64, () => 0);
    const g64 = await decode(renderFilterGrid(k64, [3, 3, 1, 64], { scale: 10, spacing: 4 }));
    expect([g64.width, g64.height]).toEqual([8 * 2 + 16 * 30 + 15 * 4, 8 * 2 + 4 * 30 + 3 * 4]);
    const seed = renderFilterGrid(
      kernel(3, 3, 32, () => 0),
      [3, 3, 1, 32],
    );
    // Default: 60 px tiles (scale 20), 12 px gaps, like matplotlib's figsize (15, 2).
    expect([seed.width, seed.height]).toEqual([12 * 2 + 16 * 60 + 15 * 12, 12 * 2 + 2 * 60 + 12]);
  });

  it('rejects a kernel that does not match its shape', () => {
    expect(() => renderFilterGrid(new Float32Array(10), [3, 3, 1, 32])).toThrow(RangeError);
    expect(() => renderFilterGrid(new Float32Array(9), [3, 3, 1, 1], { inputChannel: 1 })).toThrow(
      RangeError,
    );
  });
});

describe('renderFeatureMaps', () => {
  it("draws the bench's 8×8 grid of 14×14 maps as a 1094×1094 PNG, every map in place", async () => {
    // Channel k: value k at the top-left pixel, k + 1 elsewhere: top-left bottom colour, rest top.
    const a = new Float32Array(14 * 14 * 64);
    for (let p = 0; p < 14 * 14; p++)
      for (let k = 0; k < 64; k++) a[p * 64 + k] = p === 0 ? k : k + 1;
    const image = renderFeatureMaps(a, [14, 14, 64], { cols: 8 });
    const png = await decode(image);
    // scale 8 (112 px tiles), spacing 22, margin 22: 2 × 22 + 8 × 112 + 7 × 22 = 1094.
    expect([image.width, image.height, png.width, png.height]).toEqual([1094, 1094, 1094, 1094]);
    for (let k = 0; k < 64; k++) {
      const x = 22 + (k % 8) * 134;
      const y = 22 + Math.floor(k / 8) * 134;
      expect(hexOf(png.pixel(x + 4, y + 4)), `map ${k} top-left`).toBe(VIRIDIS_BOTTOM);
      expect(hexOf(png.pixel(x + 60, y + 60)), `map ${k} centre`).toBe(VIRIDIS_TOP);
      expect(hexOf(png.pixel(x + 111, y + 111)), `map ${k} corner`).toBe(VIRIDIS_TOP);
      expect(hexOf(png.pixel(x + 112, y + 60)), `right of map ${k}`).toBe('#ffffff');
    }
  });

  it('draws the title, labels and colorbar text into the PNG', async () => {
    const tiles = [new Float32Array([0, 1, 2, 3]), new Float32Array([3, 2, 1, 0])];
    const dressed = renderImageGrid({
      tiles,
      tileWidth: 2,
      tileHeight: 2,
      scale: 30,
      spacing: 12,
      title: 'Feature maps of conv2d',
      labels: ['first', 'second'],
      colorbar: true,
    });
    const png = await decode(dressed);
    const darkIn = (x0: number, y0: number, x1: number, y1: number) => {
      let n = 0;
      for (let y = y0; y < y1; y++)
        for (let x = x0; x < x1; x++) if (png.is(x, y, '#000000', 90)) n += 1;
      return n;
    };
    // margin 12, title band 26, tiles 60 px, labels 17 px below them, a 12 px bar at x 156.
    expect(darkIn(0, 0, 156, 38), 'title').toBeGreaterThan(30);
    expect(darkIn(12, 98, 144, 115), 'labels').toBeGreaterThan(20);
    expect(darkIn(156 + 12 + 1, 30, png.width, 125), 'colorbar ticks').toBeGreaterThan(10);
  });

  it('auto-ranges each map: a constant-zero map is all bottom colour, a ramp spans the map', async () => {
    // [4, 4, 2]: channel 0 zeros, channel 1 = x (0 … 3).
    const a = new Float32Array(4 * 4 * 2);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) a[(y * 4 + x) * 2 + 1] = x;
    const png = await decode(renderFeatureMaps(a, [4, 4, 2], { scale: 10, spacing: 4 }));
    expect([png.width, png.height]).toEqual([8 * 2 + 2 * 40 + 4, 8 * 2 + 40]);
    for (const [x, y] of [
      [5, 5],
      [35, 35],
      [20, 20],
    ] as const) {
      expect(hexOf(png.pixel(8 + x, 8 + y))).toBe(VIRIDIS_BOTTOM);
    }
    const ramp = 8 + 44;
    expect(hexOf(png.pixel(ramp + 5, 8 + 5))).toBe(VIRIDIS_BOTTOM);
    expect(hexOf(png.pixel(ramp + 35, 8 + 35))).toBe(VIRIDIS_TOP);
    // x = 1 → t = 1/3 → entry 85; x = 2 → entry 170: strictly between, and different.
    const mid1 = hexOf(png.pixel(ramp + 15, 8 + 20));
    const mid2 = hexOf(png.pixel(ramp + 25, 8 + 20));
    expect(new Set([VIRIDIS_BOTTOM, mid1, mid2, VIRIDIS_TOP]).size).toBe(4);
  });

  it('lays 32 maps out 4×8 and 64 maps 8×8, each map in its place', async () => {
    for (const [channels, rows] of [
      [32, 4],
      [64, 8],
    ] as const) {
      // Even channels: a ramp (centre is mid-colour); odd channels: constant (bottom colour).
      const a = new Float32Array(6 * 6 * channels);
      for (let y = 0; y < 6; y++) {
        for (let x = 0; x < 6; x++) {
          for (let c = 0; c < channels; c += 2) a[(y * 6 + x) * channels + c] = x + y;
        }
      }
      const png = await decode(renderFeatureMaps(a, [6, 6, channels], { scale: 5, spacing: 4 }));
      expect([png.width, png.height]).toEqual([
        8 * 2 + 8 * 30 + 7 * 4,
        8 * 2 + rows * 30 + (rows - 1) * 4,
      ]);
      for (let c = 0; c < channels; c++) {
        const { x, y } = centre(c, 8, 30, 4, 8);
        const colour = hexOf(png.pixel(x + 2, y + 2));
        if (c % 2 === 1) expect(colour, `map ${c}`).toBe(VIRIDIS_BOTTOM);
        else expect(colour, `map ${c}`).not.toBe(VIRIDIS_BOTTOM);
      }
    }
  });

  it('defaults to about 112 px tiles, like the seed figure', () => {
    const image = renderFeatureMaps(new Float32Array(14 * 14 * 64), [14, 14, 64]);
    // scale 8 → 112 px tiles, 22 px gaps.
    expect(image.width).toBe(22 * 2 + 8 * 112 + 7 * 22);
    expect(image.height).toBe(image.width);
  });
});

describe('renderImageGrid', () => {
  it('places rows × cols tiles, honours shared limits and clamps', async () => {
    const tiles = [0, 1, 2, 3, 4, 5].map((v) => new Float32Array(4).fill(v));
    const png = await decode(
      renderImageGrid({
        tiles,
        tileWidth: 2,
        tileHeight: 2,
        rows: 2,
        cols: 3,
        vmin: 1,
        vmax: 4,
        scale: 10,
        spacing: 4,
      }),
    );
    expect([png.width, png.height]).toEqual([8 * 2 + 3 * 20 + 2 * 4, 8 * 2 + 2 * 20 + 4]);
    const at = (i: number) => {
      const { x, y } = centre(i, 3, 20, 4, 8);
      return hexOf(png.pixel(x, y));
    };
    expect(at(0)).toBe(VIRIDIS_BOTTOM); // below vmin
    expect(at(1)).toBe(VIRIDIS_BOTTOM); // vmin
    expect(at(4)).toBe(VIRIDIS_TOP); // vmax
    expect(at(5)).toBe(VIRIDIS_TOP); // beyond
    expect(at(2)).not.toBe(at(3));
  });

  it('adds room for a title, labels and a colorbar', () => {
    const tiles = [new Float32Array(4), new Float32Array([0, 1, 2, 3])];
    const base = renderImageGrid({ tiles, tileWidth: 2, tileHeight: 2, scale: 10 });
    const dressed = renderImageGrid({
      tiles,
      tileWidth: 2,
      tileHeight: 2,
      scale: 10,
      title: 'maps',
      labels: ['a', 'b'],
      colorbar: true,
    });
    expect(dressed.height).toBeGreaterThan(base.height);
    expect(dressed.width).toBeGreaterThan(base.width);
  });

  it('rejects tiles of the wrong size and grids too small', () => {
    expect(() =>
      renderImageGrid({ tiles: [new Float32Array(3)], tileWidth: 2, tileHeight: 2 }),
    ).toThrow(RangeError);
    const tiles = [1, 2, 3].map(() => new Float32Array(1));
    expect(() => renderImageGrid({ tiles, tileWidth: 1, tileHeight: 1, rows: 1, cols: 2 })).toThrow(
      RangeError,
    );
    expect(() => renderImageGrid({ tiles: [], tileWidth: 1, tileHeight: 1 })).toThrow(RangeError);
  });
});

describe('renderInputImage', () => {
  it('draws gray_r: 0 white, 1 black, at 10× by default', async () => {
    const pixels = new Float32Array(784);
    pixels[27] = 1; // top-right
    pixels[28 * 27] = 0.5; // bottom-left
    const png = await decode(renderInputImage(pixels, { axes: false }));
    expect([png.width, png.height]).toEqual([8 + 280 + 8, 8 + 280 + 8]);
    expect(hexOf(png.pixel(8 + 5, 8 + 5))).toBe('#ffffff');
    expect(hexOf(png.pixel(8 + 275, 8 + 5))).toBe('#000000');
    const [g] = png.pixel(8 + 5, 8 + 275);
    expect(g).toBeGreaterThan(100);
    expect(g).toBeLessThan(155);
  });

  it('draws imshow-like axes by default', async () => {
    const image = renderInputImage(new Float32Array(784).fill(1));
    const png = await decode(image);
    expect(png.width).toBeGreaterThan(280);
    expect(png.height).toBeGreaterThan(280);
  });

  it('rejects a non-square image without a size', () => {
    expect(() => renderInputImage(new Float32Array(10))).toThrow(RangeError);
    expect(() => renderInputImage(new Float32Array(10), { width: 5, height: 2 })).not.toThrow();
  });
});
