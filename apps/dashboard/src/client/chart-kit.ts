import uPlot from './uplot.js';

/**
 * What the interactive charts share: uPlot with hover values in the legend, drag-to-zoom on x
 * (double-click resets), a log scale for y, and TensorBoard's smoothing (a debiased exponential
 * moving average) for noisy per-batch series. Each chart writes its state into data-* attributes
 * of its element (x range, y scale, points drawn), which the browser tests read.
 */

export const PALETTE = [
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
];

/** TensorBoard's smoothing: an EMA with weight `weight` (0 = none), debiased at the start. */
export function ema(values: readonly (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return [...values];
  let last = 0;
  let count = 0;
  return values.map((value) => {
    if (value === null || !Number.isFinite(value)) return null;
    last = last * weight + (1 - weight) * value;
    count += 1;
    return last / (1 - weight ** count);
  });
}

/** A series on a shared x axis: its points as [x, y] pairs. */
export interface LineSeries {
  readonly label: string;
  readonly points: readonly (readonly [number, number])[];
  readonly color: string;
  readonly dash?: number[];
  readonly width?: number;
  /** Per-batch series are smoothed; per-epoch ones are drawn as they are, with points. */
  readonly smooth?: boolean;
  readonly faint?: boolean;
}

export interface ChartSettings {
  /** 0 (none) to 0.99. */
  readonly smoothing: number;
  readonly logScale: boolean;
}

/** Series with different x values as uPlot's aligned columns (null where a series has no point). */
export function alignSeries(
  series: readonly LineSeries[],
  settings: ChartSettings,
): uPlot.AlignedData {
  const xs = [...new Set(series.flatMap((line) => line.points.map(([x]) => x)))].sort(
    (a, b) => a - b,
  );
  const index = new Map(xs.map((x, position) => [x, position]));
  const columns = series.map((line) => {
    const column = new Array<number | null>(xs.length).fill(null);
    const ys = ema(
      line.points.map(([, y]) => y),
      line.smooth ? settings.smoothing : 0,
    );
    line.points.forEach(([x], position) => {
      const y = ys[position] ?? null;
      // A log scale has no place for zero or negative values.
      column[index.get(x) ?? 0] = y === null || (settings.logScale && y <= 0) ? null : y;
    });
    return column;
  });
  return [xs, ...columns] as uPlot.AlignedData;
}

const format = (value: number | null | undefined) =>
  value === null || value === undefined
    ? '–'
    : Math.abs(value) >= 100
      ? value.toFixed(1)
      : value.toPrecision(4);

export interface ChartOptions {
  readonly title?: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly height?: number;
  /** Bands between pairs of series (1-based series indices: [upper, lower]). */
  readonly bands?: uPlot.Band[];
}

/**
 * A chart that can be redrawn with new series or settings while keeping its zoom when the x
 * values stay the same. `element` receives the chart and the data-* state attributes.
 */
export class InteractiveChart {
  private plot: uPlot | undefined;
  private series: readonly LineSeries[] = [];
  private settings: ChartSettings = { smoothing: 0, logScale: false };
  private readonly resize = new ResizeObserver(() => this.fit());

  constructor(
    readonly element: HTMLElement,
    private readonly options: ChartOptions,
  ) {
    this.resize.observe(element);
  }

  /** Draws `series` (a new chart when the scale or the series changed, else new data). */
  update(series: readonly LineSeries[], settings: ChartSettings): void {
    const rebuild =
      this.plot === undefined ||
      settings.logScale !== this.settings.logScale ||
      series.map((line) => line.label).join('\n') !==
        this.series.map((line) => line.label).join('\n');
    this.series = series;
    this.settings = settings;
    const data = alignSeries(series, settings);
    if (rebuild) {
      this.plot?.destroy();
      this.plot = new uPlot(this.chartOptions(), data, this.element);
    } else {
      this.plot?.setData(data, false);
      this.plot?.redraw(false, true);
    }
    this.element.dataset.points = String(
      data
        .slice(1)
        .reduce(
          (total, column) =>
            total + Array.from(column as ArrayLike<number | null>).filter((y) => y != null).length,
          0,
        ),
    );
    this.element.dataset.series = series.map((line) => line.label).join('|');
    // A fingerprint of the values drawn: smoothing changes it, zooming does not.
    this.element.dataset.sum = data
      .slice(1)
      .reduce(
        (total, column) =>
          total +
          Array.from(column as ArrayLike<number | null>).reduce<number>(
            (sum, y) => sum + (y ?? 0),
            0,
          ),
        0,
      )
      .toFixed(6);
    this.element.dataset.smoothing = String(settings.smoothing);
    this.element.dataset.yScale = settings.logScale ? 'log' : 'linear';
    this.recordScale();
  }

  /** Shows every point again (as the double-click does). */
  resetZoom(): void {
    const plot = this.plot;
    if (plot === undefined) return;
    const xs = plot.data[0];
    if (xs.length === 0) return;
    plot.setScale('x', { min: xs[0] ?? 0, max: xs[xs.length - 1] ?? 1 });
  }

  private fit(): void {
    const width = Math.max(240, Math.floor(this.element.clientWidth));
    if (this.plot !== undefined && Math.abs(this.plot.width - width) > 2)
      this.plot.setSize({ width, height: this.options.height ?? 280 });
  }

  private recordScale(): void {
    const scale = this.plot?.scales.x;
    this.element.dataset.xMin = String(scale?.min ?? '');
    this.element.dataset.xMax = String(scale?.max ?? '');
  }

  private chartOptions(): uPlot.Options {
    const { options, settings } = this;
    return {
      ...(options.title === undefined ? {} : { title: options.title }),
      width: Math.max(240, Math.floor(this.element.clientWidth || 480)),
      height: options.height ?? 280,
      scales: {
        x: { time: false },
        y: settings.logScale ? { distr: 3 } : {},
      },
      axes: [
        { label: options.xLabel, stroke: '#5f6b7a', grid: { stroke: '#eef1f5' } },
        {
          label: options.yLabel,
          stroke: '#5f6b7a',
          grid: { stroke: '#eef1f5' },
          size: 60,
          values: (_plot, splits) => splits.map((value) => format(value)),
        },
      ],
      cursor: { drag: { x: true, y: false, setScale: true } },
      legend: { live: true },
      series: [
        { label: options.xLabel, value: (_plot, value) => format(value) },
        ...this.series.map((line): uPlot.Series => ({
          label: line.label,
          stroke: line.faint ? `${line.color}55` : line.color,
          width: line.width ?? (line.faint ? 1 : 2),
          ...(line.dash === undefined ? {} : { dash: line.dash }),
          spanGaps: true,
          points: { show: !line.smooth && !line.faint, size: 5 },
          value: (_plot, value) => format(value),
        })),
      ],
      ...(options.bands === undefined ? {} : { bands: options.bands }),
      hooks: { setScale: [() => this.recordScale()] },
    };
  }
}

/** The smoothing slider, log-scale box and reset button of a chart panel, as their values. */
export function readSettings(panel: ParentNode): ChartSettings {
  const smoothing = panel.querySelector<HTMLInputElement>('[data-chart-smoothing]');
  const log = panel.querySelector<HTMLInputElement>('[data-chart-log]');
  return {
    smoothing: Math.min(0.99, Math.max(0, Number(smoothing?.value ?? 0))),
    logScale: log?.checked ?? false,
  };
}

/** Calls `redraw` whenever a control of `panel` changes; the reset button resets every chart's zoom. */
export function bindControls(
  panel: HTMLElement,
  charts: () => readonly InteractiveChart[],
  redraw: () => void,
): void {
  panel.addEventListener('input', (event) => {
    const target = event.target as HTMLElement;
    if (target.matches('[data-chart-smoothing]')) {
      const output = panel.querySelector('[data-chart-smoothing-value]');
      if (output) output.textContent = (target as HTMLInputElement).value;
    }
    if (target.matches('[data-chart-smoothing], [data-chart-log], [data-chart-batches]')) redraw();
  });
  panel.addEventListener('click', (event) => {
    if ((event.target as HTMLElement).matches('[data-chart-reset]'))
      for (const chart of charts()) chart.resetZoom();
  });
}
