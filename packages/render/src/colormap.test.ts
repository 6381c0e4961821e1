import { describe, expect, it } from 'vitest';
import { colormap, rgbHex, type ColormapName } from './colormap.js';

describe('colormap', () => {
  it('viridis is matplotlib’s table: #440154 at 0, #fde725 at 1', () => {
    const viridis = colormap('viridis');
    expect(rgbHex(viridis(0))).toBe('#440154');
    expect(rgbHex(viridis(1))).toBe('#fde725');
    // matplotlib's viridis(0.5) is #21918c (entry 128).
    expect(rgbHex(viridis(0.5))).toBe('#21918c');
  });

  it('clamps t outside [0, 1] and maps NaN to the bottom', () => {
    const viridis = colormap('viridis');
    expect(viridis(7)).toEqual(viridis(1));
    expect(viridis(-3)).toEqual(viridis(0));
    expect(viridis(Number.NaN)).toEqual(viridis(0));
  });

  it('indexes 256 entries with floor(t × 256)', () => {
    const viridis = colormap('viridis');
    const seen = new Set<string>();
    for (let i = 0; i < 256; i++) seen.add(rgbHex(viridis((i + 0.5) / 256)));
    // A few neighbouring entries round to the same bytes.
    expect(seen.size).toBeGreaterThan(250);
    expect(viridis(255.5 / 256)).toEqual(viridis(1));
    expect(viridis(0.5 / 256)).toEqual(viridis(0));
  });

  it('gray goes black → white and gray_r white → black', () => {
    expect(colormap('gray')(0)).toEqual([0, 0, 0]);
    expect(colormap('gray')(1)).toEqual([255, 255, 255]);
    expect(colormap('gray_r')(0)).toEqual([255, 255, 255]);
    expect(colormap('gray_r')(1)).toEqual([0, 0, 0]);
  });

  it('RdBu_r diverges blue → white → red', () => {
    const rdbu = colormap('RdBu_r');
    expect(rgbHex(rdbu(0))).toBe('#053061');
    expect(rgbHex(rdbu(1))).toBe('#67001f');
    const [r, g, b] = rdbu(0.5);
    expect(Math.min(r, g, b)).toBeGreaterThan(225);
  });

  it('rejects unknown names', () => {
    expect(() => colormap('jet' as ColormapName)).toThrow(RangeError);
  });
});
