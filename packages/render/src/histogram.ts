import { Chart, legendBox, withMargins, type LegendEntry } from './chart.js';
import {
  checkFormat,
  encode,
  positiveInt,
  SERIES_COLORS,
  type ImageFormat,
  type RenderedImage,
} from './surface.js';
import { formatNumber } from './ticks.js';

export interface HistogramSeries {
  counts: readonly number[];
  /** Bin edges, `counts.length + 1` of them, increasing. */
  edges: readonly number[];
  label: string;
  mean?: number;
  std?: number;
}

export interface HistogramOptions {
  /** Raw values, binned like `numpy.histogram` (equal-width bins from min to max). */
  values?: Float32Array;
  /** Or precomputed counts and edges (as the visualization manifest carries them). */
  counts?: readonly number[];
  edges?: readonly number[];
  /** Bins for `values`; default 10, as `plt.hist`. */
  bins?: number;
  /** Marked with a vertical line and a ±std band; computed from `values` when missing. */
  mean?: number;
  std?: number;
  title?: string;
  /** Default 'weight'. */
  xlabel?: string;
  /** Default 'count'. */
  ylabel?: string;
  /** A second series (the untrained weights) overlaid, with a legend. */
  compare?: HistogramSeries;
  /** The main series' legend label; default 'trained' when comparing. */
  label?: string;
  /**
   * The x axis's range before its margins (default: the data's, with the mean ± std): histograms
   * drawn with the same range share one x axis, so trained and untrained compare by eye.
   */
  xRange?: readonly [number, number];
  /** The highest count the y axis must show (default: the data's); shared like xRange. */
  yMax?: number;
  /** Default 640 × 480. */
  width?: number;
  height?: number;
  format?: ImageFormat;
}

/** Counts of `values` in `bins` equal-width bins, as `numpy.histogram(values, bins)`. */
export function histogram(
  values: ArrayLike<number>,
  bins = 10,
): { counts: number[]; edges: number[] } {
  positiveInt(bins, 10, 'bins');
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? NaN;
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) {
    lo = 0;
    hi = 1;
  } else if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
  const counts = new Array<number>(bins).fill(0);
  const k = bins / (hi - lo);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? NaN;
    if (!Number.isFinite(v)) continue;
    const b = Math.min(bins - 1, Math.max(0, Math.floor((v - lo) * k)));
    counts[b] = (counts[b] ?? 0) + 1;
  }
  return { counts, edges };
}

/** Population mean and standard deviation (numpy's `mean()`, `std()`) of the finite values. */
export function meanStd(values: ArrayLike<number>): { mean: number; std: number } {
  let n = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? NaN;
    if (Number.isFinite(v)) {
      n++;
      sum += v;
    }
  }
  if (n === 0) return { mean: NaN, std: NaN };
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? NaN;
    if (Number.isFinite(v)) sq += (v - mean) ** 2;
  }
  return { mean, std: Math.sqrt(sq / n) };
}

function checkSeries(counts: readonly number[], edges: readonly number[], what: string): void {
  if (counts.length < 1) throw new RangeError(`${what}: a histogram needs at least one bin`);
  if (edges.length !== counts.length + 1) {
    throw new RangeError(
      `${what}: ${counts.length} counts need ${counts.length + 1} edges, got ${edges.length}`,
    );
  }
  if (!counts.every((c) => Number.isFinite(c) && c >= 0)) {
    throw new RangeError(`${what}: counts must be finite and non-negative`);
  }
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i] ?? NaN;
    if (!Number.isFinite(e) || (i > 0 && !(e > (edges[i - 1] ?? NaN)))) {
      throw new RangeError(`${what}: edges must be finite and increasing`);
    }
  }
}

/** Darker shade of a `#rrggbb` colour, for the mean line of a series. */
function darker(hex: string, f = 0.6): string {
  const n = parseInt(hex.slice(1), 16);
  const c = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((v) => Math.round(v * f));
  return `rgb(${c.join(',')})`;
}

/**
 * A weight histogram like the seed's `plt.hist(weights)` (xlabel 'weight', ylabel 'count'), with
 * the mean marked by a vertical line over a ±std band, and optionally a second series overlaid.
 */
export function renderHistogram(options: HistogramOptions): RenderedImage {
  const format = checkFormat(options.format);
  const width = positiveInt(options.width, 640, 'width');
  const height = positiveInt(options.height, 480, 'height');
  let counts: readonly number[];
  let edges: readonly number[];
  let mean = options.mean;
  let std = options.std;
  if (options.values) {
    ({ counts, edges } = histogram(options.values, positiveInt(options.bins, 10, 'bins')));
    if (mean === undefined || std === undefined) {
      const s = meanStd(options.values);
      mean ??= s.mean;
      std ??= s.std;
    }
  } else if (options.counts && options.edges) {
    counts = options.counts;
    edges = options.edges;
  } else {
    throw new RangeError('renderHistogram needs values, or counts and edges');
  }
  checkSeries(counts, edges, 'histogram');
  const compare = options.compare;
  if (compare) checkSeries(compare.counts, compare.edges, 'compare');

  const main: HistogramSeries = {
    counts,
    edges,
    label: options.label ?? (compare ? 'trained' : ''),
    mean,
    std,
  };
  const all = compare ? [main, compare] : [main];
  const xs = all.flatMap((s) => [s.edges[0] ?? 0, s.edges[s.edges.length - 1] ?? 1]);
  for (const s of all) {
    if (s.mean !== undefined && Number.isFinite(s.mean)) {
      const sd = s.std !== undefined && Number.isFinite(s.std) ? s.std : 0;
      xs.push(s.mean - sd, s.mean + sd);
    }
  }
  const [xlo, xhi] = options.xRange
    ? withMargins(options.xRange[0], options.xRange[1])
    : withMargins(Math.min(...xs), Math.max(...xs));
  const top = Math.max(0, options.yMax ?? 0, ...all.flatMap((s) => s.counts));
  const integerCounts = all.every((s) => s.counts.every((c) => Number.isInteger(c)));
  const colors = [SERIES_COLORS[0], SERIES_COLORS[1]];
  const alpha = compare ? 0.55 : 1;
  const entries: LegendEntry[] = [];
  all.forEach((s, si) => {
    const color = colors[si] ?? '#1f77b4';
    if (s.label) entries.push({ label: s.label, color, kind: 'patch', alpha });
    if (s.mean !== undefined && Number.isFinite(s.mean)) {
      const stats =
        s.std !== undefined && Number.isFinite(s.std)
          ? `mean ${formatNumber(s.mean)}, std ${formatNumber(s.std)}`
          : `mean ${formatNumber(s.mean)}`;
      entries.push({
        label: s.label ? `${s.label} ${stats}` : stats,
        color: darker(color, compare ? 0.6 : 0),
        kind: 'line',
        dashed: si > 0,
      });
    }
  });
  const legend = legendBox(entries);
  const chart = new Chart({
    width,
    height,
    format,
    x: { lo: xlo, hi: xhi, label: options.xlabel ?? 'weight' },
    y: {
      lo: 0,
      hi: top > 0 ? top * 1.05 : 1,
      integer: integerCounts,
      label: options.ylabel ?? 'count',
    },
    title: options.title,
    headroomPx: entries.length > 0 ? legend.height + legend.inset + 6 : 0,
  });
  const { ctx, plot } = chart;
  const avoid: [number, number][] = [];

  chart.clipped(() => {
    // ±std bands first (under the bars), then bars, then the mean lines on top.
    all.forEach((s) => {
      if (s.mean === undefined || s.std === undefined) return;
      if (!Number.isFinite(s.mean) || !Number.isFinite(s.std) || s.std <= 0) return;
      ctx.fillStyle = 'rgba(0, 0, 0, 0.07)';
      const x0 = chart.x(s.mean - s.std);
      ctx.fillRect(x0, plot.top, chart.x(s.mean + s.std) - x0, plot.height);
    });
    const base = Math.round(chart.y(0));
    all.forEach((s, si) => {
      ctx.globalAlpha = alpha;
      ctx.fillStyle = colors[si] ?? '#1f77b4';
      s.counts.forEach((c, i) => {
        if (c <= 0) return;
        const x0 = Math.round(chart.x(s.edges[i] ?? 0));
        const x1 = Math.round(chart.x(s.edges[i + 1] ?? 0));
        const y = Math.round(chart.y(c));
        ctx.fillRect(x0, y, Math.max(1, x1 - x0), base - y);
        for (let k = 0; k <= 4; k++) avoid.push([x0 + ((x1 - x0) * k) / 4, y]);
        for (let yy = y; yy < base; yy += 12) avoid.push([(x0 + x1) / 2, yy]);
      });
      ctx.globalAlpha = 1;
    });
    all.forEach((s, si) => {
      if (s.mean === undefined || !Number.isFinite(s.mean)) return;
      const px = Math.round(chart.x(s.mean)) + 0.5;
      ctx.strokeStyle = darker(colors[si] ?? '#1f77b4', compare ? 0.6 : 0);
      ctx.lineWidth = 1.5;
      ctx.setLineDash(si === 0 ? [] : [6, 3]);
      ctx.beginPath();
      ctx.moveTo(px, plot.top);
      ctx.lineTo(px, plot.top + plot.height);
      ctx.stroke();
      ctx.setLineDash([]);
      for (let yy = plot.top; yy < plot.top + plot.height; yy += 12) avoid.push([px, yy]);
    });
  });

  chart.drawAxes();
  chart.drawLegend(entries, avoid);
  return encode(chart.surface);
}
