import { Canvas, createCanvas, type CanvasRenderingContext2D } from 'canvas';

/** The encodings a renderer can produce. */
export type ImageFormat = 'png' | 'svg' | 'pdf';

/** An encoded picture. `width` and `height` are pixels (PNG, SVG) or points (PDF). */
export interface RenderedImage {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
  readonly format: ImageFormat;
  readonly contentType: string;
}

const CONTENT_TYPES: Readonly<Record<ImageFormat, string>> = {
  png: 'image/png',
  svg: 'image/svg+xml',
  pdf: 'application/pdf',
};

/** The largest picture a renderer will make (a guard against absurd scales or shapes). */
export const MAX_SIDE = 16_384;
export const MAX_PIXELS = 48_000_000;

/** DejaVu Sans is on every Debian machine with fontconfig (fonts-dejavu-core). */
export const FONT_FAMILY = '"DejaVu Sans", sans-serif';

export function font(px: number, weight: 'normal' | 'bold' = 'normal'): string {
  return `${weight === 'bold' ? 'bold ' : ''}${px}px ${FONT_FAMILY}`;
}

/** matplotlib's default colour cycle (tab10). */
export const SERIES_COLORS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
] as const;

export function seriesColor(index: number): string {
  return SERIES_COLORS[index % SERIES_COLORS.length] ?? '#1f77b4';
}

export function checkFormat(format: unknown): ImageFormat {
  if (format === undefined) return 'png';
  if (format === 'png' || format === 'svg' || format === 'pdf') return format;
  throw new RangeError(`unknown image format ${JSON.stringify(format)} (png, svg or pdf)`);
}

export function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`picture size must be positive integers, got ${width}×${height}`);
  }
  if (width > MAX_SIDE || height > MAX_SIDE || width * height > MAX_PIXELS) {
    throw new RangeError(`picture of ${width}×${height} pixels is too large`);
  }
}

/** A positive integer option, or its default. */
export function positiveInt(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/** A non-negative integer option, or its default. */
export function nonNegativeInt(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
  return value;
}

export interface Surface {
  readonly canvas: Canvas;
  readonly ctx: CanvasRenderingContext2D;
  readonly width: number;
  readonly height: number;
  readonly format: ImageFormat;
}

/** A canvas of the given size and format, filled white (matplotlib's figure face colour). */
export function createSurface(width: number, height: number, format: ImageFormat): Surface {
  checkSize(width, height);
  const canvas =
    format === 'png' ? createCanvas(width, height) : createCanvas(width, height, format);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  return { canvas, ctx, width, height, format };
}

/** A scratch context to measure text before the picture's size is known. */
export function measuringContext(): CanvasRenderingContext2D {
  return createCanvas(1, 1).getContext('2d');
}

/** Encodes the surface. */
export function encode(surface: Surface): RenderedImage {
  const { canvas, width, height, format } = surface;
  // zlib level 6 (as matplotlib) with the "up" filter only: upscaled tiles repeat rows, so it
  // compresses as well as trying every filter per row, in half the time.
  let data =
    format === 'png'
      ? canvas.toBuffer('image/png', { compressionLevel: 6, filters: Canvas.PNG_FILTER_UP })
      : canvas.toBuffer();
  if (format === 'svg') {
    // Drop cairo's `<?xml …?>` prolog so the document starts at `<svg` and can be inlined in HTML.
    const text = data.toString('utf8');
    const start = text.indexOf('<svg');
    // cairo sizes the root in points; unitless (CSS pixels) keeps the picture at its pixel size.
    const svg = text
      .slice(Math.max(0, start))
      .replace(
        /^(<svg[^>]*?)width="[\d.]+pt" height="[\d.]+pt"/,
        `$1width="${width}" height="${height}"`,
      );
    data = Buffer.from(svg, 'utf8');
  }
  return { data, width, height, format, contentType: CONTENT_TYPES[format] };
}
