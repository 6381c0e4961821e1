import { createCanvas, loadImage } from 'canvas';
import type { RenderedImage } from './surface.js';

export type Rgba = [number, number, number, number];

/** A decoded PNG with pixel access. */
export interface Decoded {
  readonly width: number;
  readonly height: number;
  pixel(x: number, y: number): Rgba;
  /** Whether pixel (x, y) is within `tolerance` (per channel) of `#rrggbb`. */
  is(x: number, y: number, hex: string, tolerance?: number): boolean;
}

export function hexRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.replace('#', ''), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export async function decode(image: RenderedImage): Promise<Decoded> {
  const img = await loadImage(image.data);
  const canvas = createCanvas(img.width, img.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const { data } = ctx.getImageData(0, 0, img.width, img.height);
  const width = img.width;
  const pixel = (x: number, y: number): Rgba => {
    const i = (Math.round(y) * width + Math.round(x)) * 4;
    return [data[i] ?? -1, data[i + 1] ?? -1, data[i + 2] ?? -1, data[i + 3] ?? -1];
  };
  return {
    width,
    height: img.height,
    pixel,
    is(x, y, hex, tolerance = 0) {
      const [r, g, b] = hexRgb(hex);
      const [pr, pg, pb] = pixel(x, y);
      return (
        Math.abs(pr - r) <= tolerance &&
        Math.abs(pg - g) <= tolerance &&
        Math.abs(pb - b) <= tolerance
      );
    },
  };
}

/** `#rrggbb` of a decoded pixel, for readable assertion failures. */
export function hexOf([r, g, b]: Rgba): string {
  return `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}
