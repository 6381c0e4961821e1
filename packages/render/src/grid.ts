import type { CanvasRenderingContext2D } from 'canvas';
import { colormapTable, isColormapName, type ColormapName } from './colormap.js';
import {
  checkLimit,
  finiteRange,
  resolveRange,
  TilePainter,
  unionRange,
  type Range,
  type ScalarImage,
} from './raster.js';
import {
  checkFormat,
  font,
  measuringContext,
  nonNegativeInt,
  positiveInt,
  type ImageFormat,
  type RenderedImage,
} from './surface.js';
import { formatTick, niceStep, niceTicks } from './ticks.js';

/** Colour limits; a missing one comes from the data's min or max (auto), as imshow. */
export interface ValueRange {
  vmin?: number;
  vmax?: number;
}

export interface ImageGridOptions {
  /** Row-major scalar tiles, each `tileWidth × tileHeight` values. */
  tiles: readonly Float32Array[];
  tileWidth: number;
  tileHeight: number;
  rows?: number;
  cols?: number;
  /** Default `viridis`. */
  colormap?: ColormapName;
  /**
   * Colour limits shared by every tile. A missing limit is taken from each tile's own data (each
   * tile auto-ranged, like one `imshow` per subplot) unless `sharedRange` or `colorbar` is set,
   * in which case it comes from all tiles together.
   */
  vmin?: number;
  vmax?: number;
  sharedRange?: boolean;
  /** Output pixels per data pixel (nearest neighbour). Default: tiles about 112 px wide. */
  scale?: number;
  /** Pixels between tiles. Default: a fifth of a tile, as matplotlib's `wspace=0.2`. */
  spacing?: number;
  /** A caption under each tile (by index). */
  labels?: readonly string[];
  title?: string;
  /** A colorbar on the right (implies one shared range). */
  colorbar?: boolean;
  format?: ImageFormat;
}

/** Tiles of about this many output pixels across when no scale is given (matplotlib's ~100). */
const TILE_TARGET_PX = 112;
const LABEL_FONT_PX = 11;
const TITLE_FONT_PX = 16;
const TICK_FONT_PX = 11;

function defaultScale(width: number, height: number, target: number): number {
  return Math.max(1, Math.round(target / Math.max(width, height)));
}

function gridShape(count: number, rows?: number, cols?: number): { rows: number; cols: number } {
  if (count < 1) throw new RangeError('an image grid needs at least one tile');
  positiveInt(rows, 1, 'rows');
  positiveInt(cols, 1, 'cols');
  if (rows !== undefined && cols !== undefined) {
    if (rows * cols < count) {
      throw new RangeError(`a ${rows}×${cols} grid cannot hold ${count} tiles`);
    }
    return { rows, cols };
  }
  if (cols !== undefined) return { rows: Math.ceil(count / cols), cols };
  if (rows !== undefined) return { rows, cols: Math.ceil(count / rows) };
  const c = Math.ceil(Math.sqrt(count));
  return { rows: Math.ceil(count / c), cols: c };
}

function checkColormap(name: ColormapName | undefined, fallback: ColormapName): ColormapName {
  const chosen = name ?? fallback;
  if (!isColormapName(chosen)) throw new RangeError(`unknown colormap ${JSON.stringify(chosen)}`);
  return chosen;
}

interface GridSpec {
  readonly tiles: readonly ScalarImage[];
  readonly ranges: readonly Range[];
  readonly tileWidth: number;
  readonly tileHeight: number;
  readonly rows: number;
  readonly cols: number;
  readonly colormap: ColormapName;
  readonly scale: number;
  readonly spacing?: number | undefined;
  readonly labels?: readonly string[] | undefined;
  readonly title?: string | undefined;
  readonly colorbar?: Range | undefined;
  readonly format: ImageFormat;
}

/** Lays out and paints a grid of colour-mapped tiles (the core of every grid renderer). */
function drawGrid(spec: GridSpec): RenderedImage {
  const { tiles, ranges, tileWidth, tileHeight, rows, cols, scale, labels, title } = spec;
  const tileW = tileWidth * scale;
  const tileH = tileHeight * scale;
  const spacing = nonNegativeInt(
    spec.spacing,
    Math.max(2, Math.round(0.2 * Math.max(tileW, tileH))),
    'spacing',
  );
  const margin = Math.max(8, spacing);
  const hasLabels = labels !== undefined && labels.some((l) => l.length > 0);
  const labelH = hasLabels ? LABEL_FONT_PX + 6 : 0;
  const titleH = title ? Math.round(TITLE_FONT_PX * 1.6) : 0;
  const gridW = cols * tileW + (cols - 1) * spacing;
  const gridH = rows * (tileH + labelH) + (rows - 1) * spacing;

  let colorbarW = 0;
  let barW = 0;
  let barGap = 0;
  let barTicks: number[] = [];
  let barStep = 1;
  if (spec.colorbar) {
    const { lo, hi } = spec.colorbar;
    barGap = Math.max(8, spacing);
    barW = Math.max(10, Math.min(20, Math.round(tileW * 0.2)));
    barTicks = hi > lo ? niceTicks(lo, hi, Math.max(2, Math.min(7, Math.floor(gridH / 40)))) : [lo];
    barStep = hi > lo ? niceStep(lo, hi, Math.max(2, Math.min(7, Math.floor(gridH / 40)))) : 1;
    const measure = measuringContext();
    measure.font = font(TICK_FONT_PX);
    const textW = Math.max(
      ...barTicks.map((t) => measure.measureText(formatTick(t, barStep)).width),
    );
    colorbarW = barGap + barW + 4 + 3 + Math.ceil(textW);
  }

  const width = margin * 2 + gridW + colorbarW;
  const height = margin * 2 + titleH + gridH;
  const lut = colormapTable(spec.colormap);
  const painter = new TilePainter(width, height, spec.format);
  const top = margin + titleH;
  const origin = (i: number): { x: number; y: number } => ({
    x: margin + (i % cols) * (tileW + spacing),
    y: top + Math.floor(i / cols) * (tileH + labelH + spacing),
  });
  tiles.forEach((tile, i) => {
    const range = ranges[i] ?? ranges[0] ?? { lo: 0, hi: 0 };
    painter.paint(tile, lut, range, { ...origin(i), sx: scale, sy: scale });
  });

  const barX = margin + gridW + barGap;
  if (spec.colorbar) {
    const { lo, hi } = spec.colorbar;
    const ramp = new Float64Array(gridH);
    for (let r = 0; r < gridH; r++) ramp[r] = hi - ((r + 0.5) / gridH) * (hi - lo);
    painter.paint({ data: ramp, width: 1, height: gridH }, lut, spec.colorbar, {
      x: barX,
      y: top,
      sx: barW,
      sy: 1,
    });
  }

  if (title) {
    // The band above the grid.
    painter.draw({ x: 0, y: 0, width, height: top }, (ctx) => {
      ctx.fillStyle = '#000000';
      ctx.font = font(TITLE_FONT_PX);
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(title, margin + gridW / 2, margin + titleH / 2 - 2, width - 2 * margin);
    });
  }
  if (hasLabels) {
    // Each grid row's captions, in the band between its tiles and the next row.
    for (let row = 0; row < rows; row++) {
      const bandTop = origin(row * cols).y + tileH;
      const band = { x: 0, y: bandTop, width: margin + gridW, height: labelH + spacing };
      painter.draw(band, (ctx) => {
        ctx.fillStyle = '#000000';
        ctx.font = font(LABEL_FONT_PX);
        ctx.textAlign = 'center';
        ctx.textBaseline = 'top';
        for (let i = row * cols; i < Math.min(tiles.length, (row + 1) * cols); i++) {
          const label = labels[i];
          if (!label) continue;
          const { x, y } = origin(i);
          ctx.fillText(label, x + tileW / 2, y + tileH + 3, tileW + spacing - 2);
        }
      });
    }
  }
  if (spec.colorbar) {
    const range = spec.colorbar;
    // The bar's column to the right edge, full height: tick labels at the ends overhang the bar.
    painter.draw({ x: barX - 1, y: 0, width: width - barX + 1, height }, (ctx) =>
      drawColorbarAxis(ctx, range, barTicks, barStep, barX, top, barW, gridH),
    );
  }
  return painter.encode();
}

function drawColorbarAxis(
  ctx: CanvasRenderingContext2D,
  range: Range,
  ticks: readonly number[],
  step: number,
  x: number,
  y: number,
  w: number,
  h: number,
): void {
  ctx.fillStyle = '#000000';
  ctx.strokeStyle = '#000000';
  ctx.lineWidth = 1;
  ctx.strokeRect(x + 0.5, y + 0.5, w - 1, h - 1);
  ctx.font = font(TICK_FONT_PX);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  const span = range.hi - range.lo;
  for (const t of ticks) {
    const ty = span > 0 ? y + ((range.hi - t) / span) * h : y + h / 2;
    const py = Math.round(ty) + 0.5;
    ctx.beginPath();
    ctx.moveTo(x + w, py);
    ctx.lineTo(x + w + 4, py);
    ctx.stroke();
    ctx.fillText(formatTick(t, step), x + w + 7, ty);
  }
}

/** A grid of scalar tiles through a colormap, like a grid of `imshow` subplots. */
export function renderImageGrid(options: ImageGridOptions): RenderedImage {
  const { tiles, tileWidth, tileHeight } = options;
  positiveInt(tileWidth, 1, 'tileWidth');
  positiveInt(tileHeight, 1, 'tileHeight');
  const size = tileWidth * tileHeight;
  tiles.forEach((t, i) => {
    if (t.length !== size) {
      throw new RangeError(
        `tile ${i} has ${t.length} values, expected ${tileWidth}×${tileHeight} = ${size}`,
      );
    }
  });
  const { rows, cols } = gridShape(tiles.length, options.rows, options.cols);
  const images: ScalarImage[] = tiles.map((data) => ({
    data,
    width: tileWidth,
    height: tileHeight,
  }));
  const shared = options.sharedRange === true || options.colorbar === true;
  const ranges = tileRanges(images, options, shared);
  return drawGrid({
    tiles: images,
    ranges,
    tileWidth,
    tileHeight,
    rows,
    cols,
    colormap: checkColormap(options.colormap, 'viridis'),
    scale: positiveInt(options.scale, defaultScale(tileWidth, tileHeight, TILE_TARGET_PX), 'scale'),
    spacing: options.spacing,
    labels: options.labels,
    title: options.title,
    colorbar: options.colorbar ? ranges[0] : undefined,
    format: checkFormat(options.format),
  });
}

function tileRanges(images: readonly ScalarImage[], limits: ValueRange, shared: boolean): Range[] {
  checkLimit(limits.vmin, 'vmin');
  checkLimit(limits.vmax, 'vmax');
  const explicit = limits.vmin !== undefined && limits.vmax !== undefined;
  if (explicit) {
    const range = resolveRange(undefined, limits.vmin, limits.vmax);
    return images.map(() => range);
  }
  if (shared) {
    const range = resolveRange(unionRange(images.map(finiteRange)), limits.vmin, limits.vmax);
    return images.map(() => range);
  }
  return images.map((image) => resolveRange(finiteRange(image), limits.vmin, limits.vmax));
}

export interface FilterGridOptions {
  /** Which input channel of the kernel to show (default 0, the seed's `[:, :, 0, i]`). */
  inputChannel?: number;
  rows?: number;
  /** Default 16 (the seed's 2×16 layout for 32 filters, 4×16 for 64). */
  cols?: number;
  /** Default −0.5 (the seed's `vmin`). */
  vmin?: number;
  /** Default 0.5 (the seed's `vmax`). */
  vmax?: number;
  /** Default `viridis`, as the seed. */
  colormap?: ColormapName;
  /** Default: tiles about 60 px wide (20 for a 3×3 kernel), as the seed's figure. */
  scale?: number;
  spacing?: number;
  title?: string;
  colorbar?: boolean;
  format?: ImageFormat;
}

function checkShape(
  length: number,
  shape: readonly number[],
  rank: number,
  what: string,
  layout: string,
): void {
  if (shape.length !== rank || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new RangeError(
      `${what} shape must be ${layout} of positive integers, got [${shape.join(', ')}]`,
    );
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (length !== size) {
    throw new RangeError(
      `${what} has ${length} values but shape [${shape.join(', ')}] needs ${size}`,
    );
  }
}

/** A conv kernel `[KH, KW, CI, CO]` as one tile per output filter, like the seed's 2×16 grid. */
export function renderFilterGrid(
  kernel: Float32Array,
  shape: readonly [number, number, number, number],
  options: FilterGridOptions = {},
): RenderedImage {
  checkShape(kernel.length, shape, 4, 'kernel', '[KH, KW, CI, CO]');
  const [kh, kw, ci, co] = shape;
  const channel = nonNegativeInt(options.inputChannel, 0, 'inputChannel');
  if (channel >= ci) {
    throw new RangeError(`inputChannel ${channel} is out of range for ${ci} input channels`);
  }
  const { rows, cols } =
    options.rows === undefined && options.cols === undefined
      ? gridShape(co, undefined, Math.min(16, co))
      : gridShape(co, options.rows, options.cols);
  const tiles: ScalarImage[] = [];
  for (let f = 0; f < co; f++) {
    tiles.push({ data: kernel, width: kw, height: kh, offset: channel * co + f, stride: ci * co });
  }
  const vmin = options.vmin ?? -0.5;
  const vmax = options.vmax ?? 0.5;
  const shared = options.colorbar === true;
  const ranges = tileRanges(tiles, { vmin, vmax }, shared);
  return drawGrid({
    tiles,
    ranges,
    tileWidth: kw,
    tileHeight: kh,
    rows,
    cols,
    colormap: checkColormap(options.colormap, 'viridis'),
    scale: positiveInt(options.scale, defaultScale(kw, kh, 60), 'scale'),
    spacing: options.spacing,
    title: options.title,
    colorbar: shared ? ranges[0] : undefined,
    format: checkFormat(options.format),
  });
}

export interface FeatureMapOptions {
  /** Default 8 (the seed's 4×8 grid for 32 maps, 8×8 for 64). */
  cols?: number;
  /** Default `viridis`, as the seed. */
  colormap?: ColormapName;
  /** Default: tiles about 112 px wide (4 for 28×28 maps, 8 for 14×14). */
  scale?: number;
  spacing?: number;
  /** Shared limits; by default each map is auto-ranged on its own, as `imshow`. */
  vmin?: number;
  vmax?: number;
  /** Caption each map with its channel index. */
  labels?: boolean;
  title?: string;
  format?: ImageFormat;
}

/** An activation `[H, W, C]` as one auto-ranged tile per channel, like the seed's 4×8 / 8×8. */
export function renderFeatureMaps(
  activation: Float32Array,
  shape: readonly [number, number, number],
  options: FeatureMapOptions = {},
): RenderedImage {
  checkShape(activation.length, shape, 3, 'activation', '[H, W, C]');
  const [h, w, c] = shape;
  const { rows, cols } = gridShape(c, undefined, options.cols ?? Math.min(8, c));
  const tiles: ScalarImage[] = [];
  for (let k = 0; k < c; k++)
    tiles.push({ data: activation, width: w, height: h, offset: k, stride: c });
  const ranges = tileRanges(tiles, options, false);
  return drawGrid({
    tiles,
    ranges,
    tileWidth: w,
    tileHeight: h,
    rows,
    cols,
    colormap: checkColormap(options.colormap, 'viridis'),
    scale: positiveInt(options.scale, defaultScale(w, h, TILE_TARGET_PX), 'scale'),
    spacing: options.spacing,
    labels: options.labels ? tiles.map((_, k) => String(k)) : undefined,
    title: options.title,
    format: checkFormat(options.format),
  });
}

export interface InputImageOptions {
  /** Default 10 (a 28×28 image becomes 280×280). */
  scale?: number;
  /** Default `gray_r`, as the seed (0 white, 1 black). */
  colormap?: ColormapName;
  /** Default 0 and 1 (pixels scaled to [0, 1]). */
  vmin?: number;
  vmax?: number;
  /** Image size when it is not square. */
  width?: number;
  height?: number;
  /** Draw imshow's axes (frame, pixel ticks); default true. */
  axes?: boolean;
  title?: string;
  format?: ImageFormat;
}

/** One input image (784 values in [0, 1]), like the seed's `imshow(img, cmap='gray_r')`. */
export function renderInputImage(
  pixels: Float32Array,
  options: InputImageOptions = {},
): RenderedImage {
  const side = Math.round(Math.sqrt(pixels.length));
  const w = positiveInt(
    options.width,
    options.height ? pixels.length / options.height : side,
    'width',
  );
  const h = positiveInt(options.height, pixels.length / w, 'height');
  if (w * h !== pixels.length) {
    throw new RangeError(`an image of ${pixels.length} values is not ${w}×${h}`);
  }
  const scale = positiveInt(options.scale, 10, 'scale');
  const range = resolveRange(undefined, options.vmin ?? 0, options.vmax ?? 1);
  const format = checkFormat(options.format);
  const lut = colormapTable(checkColormap(options.colormap, 'gray_r'));
  const axes = options.axes !== false;
  const title = options.title;
  const titleH = title ? Math.round(TITLE_FONT_PX * 1.6) : 0;
  const pad = {
    left: axes ? 36 : 8,
    right: axes ? 12 : 8,
    top: (axes ? 10 : 8) + titleH,
    bottom: axes ? 28 : 8,
  };
  const imgW = w * scale;
  const imgH = h * scale;
  const width = pad.left + imgW + pad.right;
  const height = pad.top + imgH + pad.bottom;
  const painter = new TilePainter(width, height, format);
  painter.paint({ data: pixels, width: w, height: h }, lut, range, {
    x: pad.left,
    y: pad.top,
    sx: scale,
    sy: scale,
  });
  // A small picture: its title and axes are drawn over all of it.
  painter.draw({ x: 0, y: 0, width, height }, (ctx) => {
    ctx.fillStyle = '#000000';
    if (title) {
      ctx.font = font(TITLE_FONT_PX);
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(title, pad.left + imgW / 2, 8 + titleH / 2 - 2, width - 16);
    }
    if (axes) {
      ctx.strokeStyle = '#000000';
      ctx.lineWidth = 1;
      ctx.strokeRect(pad.left - 0.5, pad.top - 0.5, imgW + 1, imgH + 1);
      ctx.font = font(TICK_FONT_PX);
      // Ticks at pixel centres, as imshow (pixel i spans i − 0.5 … i + 0.5).
      ctx.textAlign = 'center';
      ctx.textBaseline = 'top';
      for (const t of niceTicks(0, w - 1, 7, true)) {
        const x = Math.round(pad.left + (t + 0.5) * scale) + 0.5;
        ctx.beginPath();
        ctx.moveTo(x, pad.top + imgH + 0.5);
        ctx.lineTo(x, pad.top + imgH + 4.5);
        ctx.stroke();
        ctx.fillText(String(t), x, pad.top + imgH + 7);
      }
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      for (const t of niceTicks(0, h - 1, 7, true)) {
        const y = Math.round(pad.top + (t + 0.5) * scale) + 0.5;
        ctx.beginPath();
        ctx.moveTo(pad.left - 0.5, y);
        ctx.lineTo(pad.left - 4.5, y);
        ctx.stroke();
        ctx.fillText(String(t), pad.left - 7, y);
      }
    }
  });
  return painter.encode();
}
