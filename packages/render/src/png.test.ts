import { createCanvas, ImageData, loadImage, type CanvasRenderingContext2D } from 'canvas';
import { describe, expect, it } from 'vitest';
import { colormapTable } from './colormap.js';
import { encodePng, filterRows } from './png.js';
import { TilePainter } from './raster.js';
import { font } from './surface.js';

/** Every pixel of a PNG as RGBA, decoded by node-canvas (libpng). */
async function pixelsOf(
  png: Buffer,
): Promise<{ width: number; height: number; data: Uint8ClampedArray }> {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  return {
    width: image.width,
    height: image.height,
    data: ctx.getImageData(0, 0, image.width, image.height).data,
  };
}

/** A raster whose rows repeat in runs of 3 and whose pixels are pseudo-random. */
function sampleRaster(width: number, height: number): Buffer {
  const rgb = Buffer.alloc(width * height * 3);
  let seed = 7;
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < width * 3; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      rgb[y * width * 3 + i] = y % 3 === 0 ? seed >>> 24 : (rgb[(y - 1) * width * 3 + i] ?? 0);
    }
  }
  return rgb;
}

describe('encodePng', () => {
  it('decodes to the raster it was given, pixel for pixel', async () => {
    const width = 37;
    const height = 11;
    const rgb = sampleRaster(width, height);
    const png = await pixelsOf(encodePng(rgb, width, height));
    expect([png.width, png.height]).toEqual([width, height]);
    for (let p = 0; p < width * height; p++) {
      const got = [png.data[p * 4], png.data[p * 4 + 1], png.data[p * 4 + 2], png.data[p * 4 + 3]];
      expect(got, `pixel ${p}`).toEqual([rgb[p * 3], rgb[p * 3 + 1], rgb[p * 3 + 2], 255]);
    }
  });

  it('filters a row equal to the one above as "up" (all zeros) and others as "sub"', () => {
    const width = 5;
    const rgb = sampleRaster(width, 4);
    const rows = filterRows(rgb, width, 4);
    const row = (y: number) => rows.subarray(y * (width * 3 + 1), (y + 1) * (width * 3 + 1));
    expect(row(0)[0]).toBe(1);
    expect([...row(1)]).toEqual([2, ...new Array<number>(width * 3).fill(0)]);
    expect(row(2)[0]).toBe(2);
    expect(row(3)[0]).toBe(1);
    // sub: each byte minus the same channel of the pixel to its left.
    expect(row(3)[1 + 3]).toBe(((rgb[3 * width * 3 + 3] ?? 0) - (rgb[3 * width * 3] ?? 0)) & 255);
  });

  it('refuses a raster of the wrong length', () => {
    expect(() => encodePng(Buffer.alloc(10), 2, 2)).toThrow(RangeError);
  });
});

describe('TilePainter (PNG)', () => {
  it('draws text over tiles exactly as one canvas would', async () => {
    const width = 120;
    const height = 60;
    const lut = colormapTable('viridis');
    const tile = { data: new Float32Array([0, 0.25, 0.5, 1]), width: 2, height: 2 };
    const range = { lo: 0, hi: 1 };
    const painter = new TilePainter(width, height, 'png');
    painter.paint(tile, lut, range, { x: 10, y: 5, sx: 20, sy: 20 });
    const text = (ctx: CanvasRenderingContext2D) => {
      ctx.fillStyle = '#000000';
      ctx.font = font(13);
      ctx.fillText('Tiles 0.5', 31.5, 30);
    };
    // A region that covers only part of the picture, the text included.
    painter.draw({ x: 25, y: 10, width: 80, height: 30 }, text);
    const ours = await pixelsOf(painter.encode().data);

    // The reference: the same tile and text on one white canvas.
    const canvas = createCanvas(width, height);
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    const tilePixels = new Uint8ClampedArray(40 * 40 * 4);
    for (let y = 0; y < 40; y++) {
      for (let x = 0; x < 40; x++) {
        const v = tile.data[Math.floor(y / 20) * 2 + Math.floor(x / 20)] ?? 0;
        const j = Math.min(255, Math.floor(v * 256)) * 3;
        tilePixels.set([lut[j] ?? 0, lut[j + 1] ?? 0, lut[j + 2] ?? 0, 255], (y * 40 + x) * 4);
      }
    }
    ctx.putImageData(new ImageData(tilePixels, 40, 40), 10, 5);
    text(ctx);
    const reference = ctx.getImageData(0, 0, width, height).data;
    let dark = 0;
    for (let i = 0; i < reference.length; i++) {
      if (ours.data[i] !== reference[i]) {
        throw new Error(
          `pixel ${Math.floor(i / 4)} channel ${i % 4}: ${ours.data[i]} ≠ ${reference[i]}`,
        );
      }
      if (i % 4 === 0 && (reference[i] ?? 255) < 80 && (reference[i + 1] ?? 255) < 80) dark += 1;
    }
    expect(dark).toBeGreaterThan(20); // the text is there (and so compared)
  });
});

describe('TilePainter raster reuse', () => {
  it('reuses one raster from picture to picture, and refuses to draw on a taken-over one', async () => {
    const lut = colormapTable('gray');
    const first = new TilePainter(8, 8, 'png');
    first.paint(
      { data: new Float32Array([0]), width: 1, height: 1 },
      lut,
      { lo: 0, hi: 1 },
      {
        x: 0,
        y: 0,
        sx: 8,
        sy: 8,
      },
    );
    const black = await pixelsOf(first.encode().data);
    expect([...black.data.subarray(0, 4)]).toEqual([0, 0, 0, 255]);
    // The next picture starts white again, although it is drawn in the same memory.
    const second = new TilePainter(8, 8, 'png');
    const white = await pixelsOf(second.encode().data);
    expect(white.data.every((v) => v === 255)).toBe(true);
    expect(() => first.encode()).toThrow(/another picture/);
  });
});
