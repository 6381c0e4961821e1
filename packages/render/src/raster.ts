import { createCanvas, ImageData } from 'canvas';
import type { Surface } from './surface.js';

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

/**
 * Paints scalar images through a colormap. PNG: every tile is written into one RGBA buffer the
 * size of the picture, upscaled by pixel replication, and put on the canvas once (`finish`). SVG
 * and PDF: each tile becomes a small bitmap drawn scaled with smoothing off, so the vector file
 * stays small and the pixels stay sharp.
 */
export class TilePainter {
  readonly #surface: Surface;
  readonly #raster: Uint8ClampedArray | undefined;

  constructor(surface: Surface) {
    this.#surface = surface;
    if (surface.format === 'png') {
      this.#raster = new Uint8ClampedArray(surface.width * surface.height * 4).fill(255);
    }
  }

  /** Paints `image` mapped through `lut` (256 × RGB) with `range`; non-finite values stay white. */
  paint(image: ScalarImage, lut: Uint8Array, range: Range, at: Placement): void {
    const { width, height } = image;
    const rgba = this.#raster;
    if (rgba) {
      this.#paintRaster(rgba, image, lut, range, at);
      return;
    }
    const tile = new Uint8ClampedArray(width * height * 4);
    mapRow(image, lut, range, tile, 0, 0, width * height, 1);
    const bitmap = createCanvas(width, height);
    bitmap.getContext('2d').putImageData(new ImageData(tile, width, height), 0, 0);
    const ctx = this.#surface.ctx;
    ctx.save();
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(bitmap, at.x, at.y, width * at.sx, height * at.sy);
    ctx.restore();
  }

  #paintRaster(
    rgba: Uint8ClampedArray,
    image: ScalarImage,
    lut: Uint8Array,
    range: Range,
    at: Placement,
  ): void {
    const { width: W, height: H } = this.#surface;
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
      const start = (first * W + x0) * 4;
      mapRow(image, lut, range, rgba, start, r * width, width, sx, at.x - x0, rowPixels);
      for (let y = first + 1; y < last; y++) {
        rgba.copyWithin((y * W + x0) * 4, start, start + rowPixels * 4);
      }
    }
  }

  /** Puts the PNG raster on the canvas; call it before drawing anything else on top. */
  finish(): void {
    const rgba = this.#raster;
    if (!rgba) return;
    const { width, height, ctx } = this.#surface;
    ctx.putImageData(new ImageData(rgba, width, height), 0, 0);
  }
}

/**
 * Maps `count` consecutive pixels of `image`, starting at pixel index `from`, to RGBA at `out`
 * position `at`, each repeated `repeat` times. `skip` (≤ 0) is where the first output pixel lies
 * relative to `at` (negative when clipped on the left) and `limit` caps the pixels written.
 */
function mapRow(
  image: ScalarImage,
  lut: Uint8Array,
  range: Range,
  out: Uint8ClampedArray,
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
      const o = at + px * 4;
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      // Bad (non-finite) values: transparent in a vector tile, white in the PNG raster.
      out[o + 3] = limit === Infinity ? a : 255;
    }
  }
}
