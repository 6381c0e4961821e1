import { createCanvas, ImageData, type CanvasRenderingContext2D } from 'canvas';
import { encodePng } from './png.js';
import { Scratch } from './scratch.js';
import {
  checkSize,
  createSurface,
  encode,
  type ImageFormat,
  type RenderedImage,
  type Surface,
} from './surface.js';

/** A value range for colour mapping, as matplotlib's `Normalize(vmin, vmax)`. */
export interface Range {
  readonly lo: number;
  readonly hi: number;
}

/**
 * Scalar values laid out as a `width` × `height` image inside a larger array: the value of pixel
 * (x, y) is `data[offset + (y * width + x) * stride]`. Lets kernels and activations be drawn
 * straight from their Keras layouts without copying.
 */
export interface ScalarImage {
  readonly data: ArrayLike<number>;
  readonly width: number;
  readonly height: number;
  readonly offset?: number;
  readonly stride?: number;
}

/** The smallest and largest finite value, or undefined when there is none. */
export function finiteRange(image: ScalarImage): Range | undefined {
  const { data, width, height } = image;
  const offset = image.offset ?? 0;
  const stride = image.stride ?? 1;
  let lo = Infinity;
  let hi = -Infinity;
  const n = width * height;
  for (let i = 0; i < n; i++) {
    const v = data[offset + i * stride] ?? NaN;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  // NaN never wins a comparison, so only finite values (and ±Infinity) get here.
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = Infinity;
    hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = data[offset + i * stride] ?? NaN;
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (lo > hi) return undefined;
  }
  return { lo, hi };
}

/** Union of ranges (undefined ones skipped). */
export function unionRange(ranges: readonly (Range | undefined)[]): Range | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of ranges) {
    if (!r) continue;
    lo = Math.min(lo, r.lo);
    hi = Math.max(hi, r.hi);
  }
  return lo <= hi ? { lo, hi } : undefined;
}

export function checkLimit(value: number | undefined, name: string): void {
  if (value !== undefined && !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a finite number, got ${value}`);
  }
}

/**
 * The colour range: given limits win, a missing one comes from the data (`auto`), as imshow's
 * `vmin`/`vmax`. With no finite data and no limits the range is [0, 0] (everything maps to 0).
 */
export function resolveRange(auto: Range | undefined, vmin?: number, vmax?: number): Range {
  checkLimit(vmin, 'vmin');
  checkLimit(vmax, 'vmax');
  const lo = vmin ?? auto?.lo ?? vmax ?? 0;
  const hi = vmax ?? auto?.hi ?? lo;
  if (lo > hi) {
    if (vmin !== undefined && vmax !== undefined) {
      throw new RangeError(`vmin (${vmin}) must not exceed vmax (${vmax})`);
    }
    // One limit given and the data lies entirely beyond it: everything clamps to that limit.
    return vmin !== undefined ? { lo, hi: lo } : { lo: hi, hi };
  }
  return { lo, hi };
}

/** Where a tile goes and how large: pixel (x, y) of the image covers `sx` × `sy` output pixels. */
export interface Placement {
  readonly x: number;
  readonly y: number;
  readonly sx: number;
  readonly sy: number;
}

/** A rectangle of the picture, in pixels. */
export interface Region {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** PNG rasters up to 48 MB (about 4000 × 4000) are drawn in one reused buffer. */
const rasters = new Scratch(48 * 1024 * 1024);

/**
 * Paints scalar images through a colormap, and the vector parts (text, lines) over them.
 *
 * PNG: every tile is written into one RGB raster the size of the picture, upscaled by pixel
 * replication; vector parts are drawn on small canvases holding just their region's pixels, which
 * then go back into the raster; and the raster is encoded by `encodePng`. No canvas the size of the
 * picture is made: filling one, putting the raster on it and encoding it back cost several times
 * more than the picture itself (an 8×8 feature-map grid is 1094×1094).
 *
 * SVG and PDF: each tile becomes a small bitmap drawn scaled with smoothing off on the surface, so
 * the vector file stays small and the pixels stay sharp; vector parts are drawn on the surface.
 */
export class TilePainter {
  readonly width: number;
  readonly height: number;
  readonly format: ImageFormat;
  readonly #surface: Surface | undefined;
  readonly #raster: Buffer | undefined;

  constructor(width: number, height: number, format: ImageFormat) {
    this.width = width;
    this.height = height;
    this.format = format;
    if (format === 'png') {
      checkSize(width, height);
      // White, as the figure's face.
      this.#raster = rasters.take(this, width * height * 3).fill(255);
    } else {
      this.#surface = createSurface(width, height, format);
    }
  }

  /** Paints `image` mapped through `lut` (256 × RGB) with `range`; non-finite values stay white. */
  paint(image: ScalarImage, lut: Uint8Array, range: Range, at: Placement): void {
    const { width, height } = image;
    const rgb = this.#ownRaster();
    if (rgb) {
      this.#paintRaster(rgb, image, lut, range, at);
      return;
    }
    const tile = new Uint8ClampedArray(width * height * 4);
    mapRow(image, lut, range, tile, 4, 0, 0, width * height, 1);
    const bitmap = createCanvas(width, height);
    bitmap.getContext('2d').putImageData(new ImageData(tile, width, height), 0, 0);
    const ctx = this.#vectorSurface().ctx;
    ctx.save();
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(bitmap, at.x, at.y, width * at.sx, height * at.sy);
    ctx.restore();
  }

  /**
   * Draws vector parts with `draw`, in picture coordinates. On PNG only `region` is kept: draw
   * nothing outside it. What is drawn blends onto the tiles below as on one canvas.
   */
  draw(region: Region, draw: (ctx: CanvasRenderingContext2D) => void): void {
    const rgb = this.#ownRaster();
    if (!rgb) {
      draw(this.#vectorSurface().ctx);
      return;
    }
    const x0 = Math.max(0, Math.floor(region.x));
    const y0 = Math.max(0, Math.floor(region.y));
    const x1 = Math.min(this.width, Math.ceil(region.x + region.width));
    const y1 = Math.min(this.height, Math.ceil(region.y + region.height));
    if (x1 <= x0 || y1 <= y0) return;
    const w = x1 - x0;
    const h = y1 - y0;
    const pixels = new Uint8ClampedArray(w * h * 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0, from = ((y0 + y) * this.width + x0) * 3, to = y * w * 4; x < w; x++) {
        pixels[to++] = rgb[from++] ?? 255;
        pixels[to++] = rgb[from++] ?? 255;
        pixels[to++] = rgb[from++] ?? 255;
        pixels[to++] = 255;
      }
    }
    const canvas = createCanvas(w, h);
    const ctx = canvas.getContext('2d');
    ctx.putImageData(new ImageData(pixels, w, h), 0, 0);
    // Whole-pixel offsets: text and lines land on exactly the pixels they would on one canvas.
    ctx.translate(-x0, -y0);
    draw(ctx);
    const drawn = ctx.getImageData(0, 0, w, h).data;
    for (let y = 0; y < h; y++) {
      for (let x = 0, to = ((y0 + y) * this.width + x0) * 3, from = y * w * 4; x < w; x++) {
        rgb[to++] = drawn[from++] ?? 255;
        rgb[to++] = drawn[from++] ?? 255;
        rgb[to++] = drawn[from++] ?? 255;
        from++;
      }
    }
  }

  /** The finished picture. */
  encode(): RenderedImage {
    const rgb = this.#ownRaster();
    if (!rgb) return encode(this.#vectorSurface());
    const { width, height } = this;
    return {
      data: encodePng(rgb, width, height),
      width,
      height,
      format: 'png',
      contentType: 'image/png',
    };
  }

  /** The PNG raster, while this painter still owns it (one picture is drawn at a time). */
  #ownRaster(): Buffer | undefined {
    const rgb = this.#raster;
    if (rgb && !rasters.owns(this, rgb)) {
      throw new Error('another picture has been started since: finish one before the next');
    }
    return rgb;
  }

  #vectorSurface(): Surface {
    if (!this.#surface) throw new Error('a PNG TilePainter has no surface');
    return this.#surface;
  }

  #paintRaster(
    rgb: Buffer,
    image: ScalarImage,
    lut: Uint8Array,
    range: Range,
    at: Placement,
  ): void {
    const { width: W, height: H } = this;
    const { width, height } = image;
    const { sx, sy } = at;
    // Clip to the picture (callers lay tiles out inside it; this keeps a bad layout harmless).
    const x0 = Math.max(0, at.x);
    const rowPixels = Math.min(W, at.x + width * sx) - x0;
    if (rowPixels <= 0) return;
    for (let r = 0; r < height; r++) {
      const top = at.y + r * sy;
      const first = Math.max(top, 0);
      const last = Math.min(top + sy, H);
      if (first >= last) continue;
      const start = (first * W + x0) * 3;
      mapRow(image, lut, range, rgb, 3, start, r * width, width, sx, at.x - x0, rowPixels);
      for (let y = first + 1; y < last; y++) {
        rgb.copyWithin((y * W + x0) * 3, start, start + rowPixels * 3);
      }
    }
  }
}

/**
 * Maps `count` consecutive pixels of `image`, starting at pixel index `from`, to `channels` bytes
 * each (RGB, or RGBA where non-finite values are transparent) at `out` position `at`, each
 * repeated `repeat` times. `skip` (≤ 0) is where the first output pixel lies relative to `at`
 * (negative when clipped on the left) and `limit` caps the pixels written. Non-finite values are
 * white (RGB) or transparent (RGBA).
 */
function mapRow(
  image: ScalarImage,
  lut: Uint8Array,
  range: Range,
  out: Uint8Array | Uint8ClampedArray,
  channels: 3 | 4,
  at: number,
  from: number,
  count: number,
  repeat: number,
  skip = 0,
  limit = Infinity,
): void {
  const { data } = image;
  const offset = image.offset ?? 0;
  const stride = image.stride ?? 1;
  const span = range.hi - range.lo;
  const k = span > 0 ? 256 / span : 0;
  const lo = range.lo;
  let px = skip;
  for (let i = 0; i < count && px < limit; i++) {
    const v = data[offset + (from + i) * stride] ?? NaN;
    let r = 255;
    let g = 255;
    let b = 255;
    let a = 0;
    if (Number.isFinite(v)) {
      let idx = Math.floor((v - lo) * k);
      if (idx < 0 || idx !== idx) idx = 0;
      else if (idx > 255) idx = 255;
      const j = idx * 3;
      r = lut[j] ?? 0;
      g = lut[j + 1] ?? 0;
      b = lut[j + 2] ?? 0;
      a = 255;
    }
    for (let n = 0; n < repeat; n++, px++) {
      if (px < 0) continue;
      if (px >= limit) break;
      const o = at + px * channels;
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      if (channels === 4) out[o + 3] = a;
    }
  }
}
