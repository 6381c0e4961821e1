import { Chart, withMargins, type LegendEntry } from './chart.js';
import {
  checkFormat,
  encode,
  font,
  positiveInt,
  seriesColor,
  type ImageFormat,
  type RenderedImage,
} from './surface.js';

/** One line: `values[i]` is at x = xStart + i; null, undefined or NaN leave a gap. */
export interface CurveSeries {
  label: string;
  values: readonly (number | null | undefined)[];
  /** CSS colour; default: matplotlib's colour cycle by series index. */
  color?: string;
  dashed?: boolean;
}

export interface LineChartOptions {
  series: readonly CurveSeries[];
  /** Default 'epoch'. */
  xlabel?: string;
  ylabel?: string;
  title?: string;
  /** An x to mark with a vertical line (the best epoch, 1-based like the x axis). */
  markX?: number;
  /** Label of the mark; default `best epoch N`. */
  markLabel?: string;
  /** x of `values[0]`; default 1. */
  xStart?: number;
  /** Default 640 × 480 (matplotlib's default figure at 100 dpi). */
  width?: number;
  height?: number;
  format?: ImageFormat;
}

const LINE_WIDTH = 2;

function finite(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** A line chart with axes, nice ticks, a light grid and a legend, like `plt.plot` + `legend`. */
export function renderLineChart(options: LineChartOptions): RenderedImage {
  const { series } = options;
  const format = checkFormat(options.format);
  const width = positiveInt(options.width, 640, 'width');
  const height = positiveInt(options.height, 480, 'height');
  const xStart = options.xStart ?? 1;
  if (!Number.isFinite(xStart)) throw new RangeError(`xStart must be finite, got ${xStart}`);
  if (options.markX !== undefined && !Number.isFinite(options.markX)) {
    throw new RangeError(`markX must be finite, got ${options.markX}`);
  }
  const length = Math.max(0, ...series.map((s) => s.values.length));
  let yLo = Infinity;
  let yHi = -Infinity;
  for (const s of series) {
    for (const v of s.values) {
      if (!finite(v)) continue;
      yLo = Math.min(yLo, v);
      yHi = Math.max(yHi, v);
    }
  }
  const xLast = xStart + Math.max(0, length - 1);
  let xMin = xStart;
  let xMax = xLast;
  if (options.markX !== undefined) {
    xMin = Math.min(xMin, options.markX);
    xMax = Math.max(xMax, options.markX);
  }
  const integerX = Number.isInteger(xStart);
  // One epoch: show it between its neighbours rather than on a fractional axis.
  const [xlo, xhi] = integerX && xMax === xMin ? [xMin - 1, xMax + 1] : withMargins(xMin, xMax);
  const [ylo, yhi] = yLo <= yHi ? withMargins(yLo, yHi) : [0, 1];
  const chart = new Chart({
    width,
    height,
    format,
    x: { lo: xlo, hi: xhi, integer: integerX, label: options.xlabel ?? 'epoch' },
    y: { lo: ylo, hi: yhi, label: options.ylabel },
    title: options.title,
    grid: true,
  });
  chart.drawGrid();
  const { ctx, plot } = chart;
  const avoid: [number, number][] = [];
  const markX = options.markX;

  if (markX !== undefined) {
    const px = Math.round(chart.x(markX)) + 0.5;
    ctx.save();
    ctx.strokeStyle = '#555555';
    ctx.lineWidth = 1;
    ctx.setLineDash([5, 4]);
    ctx.beginPath();
    ctx.moveTo(px, plot.top);
    ctx.lineTo(px, plot.top + plot.height);
    ctx.stroke();
    ctx.restore();
  }

  chart.clipped(() => {
    series.forEach((s, index) => {
      const color = s.color ?? seriesColor(index);
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.lineWidth = LINE_WIDTH;
      ctx.lineJoin = 'round';
      ctx.lineCap = 'round';
      ctx.setLineDash(s.dashed ? [7, 4] : []);
      // Consecutive finite values form a run; a run of one point is drawn as a dot.
      let run: [number, number][] = [];
      const flush = (): void => {
        if (run.length === 1) {
          const [p] = run;
          if (p) {
            ctx.beginPath();
            ctx.arc(p[0], p[1], 3, 0, Math.PI * 2);
            ctx.fill();
          }
        } else if (run.length > 1) {
          ctx.beginPath();
          run.forEach(([px, py], i) => (i === 0 ? ctx.moveTo(px, py) : ctx.lineTo(px, py)));
          ctx.stroke();
        }
        run = [];
      };
      s.values.forEach((v, i) => {
        if (!finite(v)) {
          flush();
          return;
        }
        const p: [number, number] = [chart.x(xStart + i), chart.y(v)];
        run.push(p);
        avoid.push(p);
        // Sample along segments so the legend also avoids the lines between points.
        const prev = s.values[i - 1];
        if (i > 0 && finite(prev)) {
          const q: [number, number] = [chart.x(xStart + i - 1), chart.y(prev)];
          for (let k = 1; k < 8; k++) {
            avoid.push([q[0] + ((p[0] - q[0]) * k) / 8, q[1] + ((p[1] - q[1]) * k) / 8]);
          }
        }
      });
      flush();
      ctx.setLineDash([]);
      // The marked x gets a dot on each series.
      if (markX !== undefined && Number.isInteger(markX - xStart)) {
        const v = s.values[markX - xStart];
        if (finite(v)) {
          ctx.beginPath();
          ctx.arc(chart.x(markX), chart.y(v), 4, 0, Math.PI * 2);
          ctx.fill();
        }
      }
    });
  });

  if (markX !== undefined) {
    const label = options.markLabel ?? `best epoch ${markX}`;
    ctx.save();
    ctx.font = font(11);
    ctx.fillStyle = '#444444';
    ctx.textBaseline = 'top';
    const px = chart.x(markX);
    const w = ctx.measureText(label).width;
    const toLeft = px + 4 + w > plot.left + plot.width - 2;
    ctx.textAlign = toLeft ? 'right' : 'left';
    const tx = toLeft ? px - 4 : px + 4;
    ctx.fillText(label, tx, plot.top + 4);
    ctx.restore();
    // Keep the legend off the mark and its label.
    const x0 = toLeft ? tx - w : tx;
    for (let k = 0; k <= 8; k++) avoid.push([x0 - 8 + ((w + 16) * k) / 8, plot.top + 9]);
    for (let yy = plot.top; yy <= plot.top + plot.height; yy += 10) avoid.push([px, yy]);
  }

  chart.drawAxes();
  const entries: LegendEntry[] = series.map((s, i) => ({
    label: s.label,
    color: s.color ?? seriesColor(i),
    kind: 'line',
    dashed: s.dashed === true,
  }));
  chart.drawLegend(
    entries.filter((e) => e.label.length > 0),
    avoid,
  );
  return encode(chart.surface);
}

/** One epoch of a training history (as `history.json` / the job's `history`). */
export interface HistoryRecord {
  epoch: number;
  loss: number;
  val_loss?: number;
  accuracy?: number;
  val_accuracy?: number;
}

export interface LearningCurveOptions {
  /** Default 'loss' (the seed's `loss` vs `val_loss`). */
  metric?: 'loss' | 'accuracy';
  /** The epoch to mark (1-based); null or missing: none. */
  bestEpoch?: number | null;
  /**
   * Compare view: several runs on one chart, each its own colour, train solid and val dashed.
   * When given (non-empty), these runs are drawn and the first argument is not.
   */
  runs?: readonly { label: string; history: readonly HistoryRecord[] }[];
  title?: string;
  width?: number;
  height?: number;
  format?: ImageFormat;
}

/** Values by epoch: index 0 is `first`; epochs missing from the history leave gaps. */
function byEpoch(
  history: readonly HistoryRecord[],
  first: number,
  last: number,
  pick: (r: HistoryRecord) => number | undefined,
): (number | null)[] {
  const values: (number | null)[] = new Array<number | null>(Math.max(0, last - first + 1)).fill(
    null,
  );
  for (const r of history) {
    const v = pick(r);
    const i = r.epoch - first;
    if (i >= 0 && i < values.length && typeof v === 'number') values[i] = v;
  }
  return values;
}

/** Learning curves, like the seed's `plt.plot(loss); plt.plot(val_loss); legend(['train','val'])`. */
export function renderLearningCurves(
  history: readonly HistoryRecord[],
  options: LearningCurveOptions = {},
): RenderedImage {
  const metric = options.metric ?? 'loss';
  if (metric !== 'loss' && metric !== 'accuracy') {
    throw new RangeError(`metric must be 'loss' or 'accuracy', got ${JSON.stringify(metric)}`);
  }
  const runs = options.runs && options.runs.length > 0 ? options.runs : [{ label: '', history }];
  for (const run of runs) {
    for (const r of run.history) {
      if (!Number.isInteger(r.epoch)) {
        throw new RangeError(`history epochs must be integers, got ${r.epoch}`);
      }
    }
  }
  const epochs = runs.flatMap((r) => r.history.map((h) => h.epoch));
  const first = epochs.length > 0 ? Math.min(...epochs) : 1;
  const last = epochs.length > 0 ? Math.max(...epochs) : 1;
  const train = (r: HistoryRecord): number | undefined => (metric === 'loss' ? r.loss : r.accuracy);
  const val = (r: HistoryRecord): number | undefined =>
    metric === 'loss' ? r.val_loss : r.val_accuracy;
  const compare = runs.length > 1 || (runs[0]?.label ?? '') !== '';
  const series: CurveSeries[] = [];
  runs.forEach((run, i) => {
    const color = compare ? seriesColor(i) : undefined;
    const trainValues = byEpoch(run.history, first, last, train);
    const valValues = byEpoch(run.history, first, last, val);
    const prefix = compare ? `${run.label} ` : '';
    series.push({ label: `${prefix}train`, values: trainValues, color });
    if (valValues.some((v) => v !== null)) {
      series.push({ label: `${prefix}val`, values: valValues, color, dashed: compare });
    }
  });
  return renderLineChart({
    series,
    xlabel: 'epoch',
    ylabel: metric,
    xStart: first,
    markX: options.bestEpoch ?? undefined,
    title: options.title,
    width: options.width,
    height: options.height,
    format: options.format,
  });
}
