import {
  escapeHtml,
  formatMetric,
  formatValue,
  type Goal,
  type LeaderboardEntry,
  type MetricName,
  type SweepValue,
} from './sweep-data.js';

/**
 * The sweep's parallel-coordinates view as one SVG, built as text: one vertical axis per swept
 * param and one for the metric, one polyline per trial through its values, coloured by its value
 * of the metric (yellow the best, dark blue the worst; grey and dashed before it has one). Numbers
 * spanning more than 20× (learning rates) get a log axis; text and booleans an axis of categories.
 * Colours go by each trial's place in the ranking, so the order stays visible beside an outlier.
 */

/** Above this max/min ratio a positive numeric axis is logarithmic. */
export const LOG_AXIS_RATIO = 20;

/** Up to this many distinct values, an axis's ticks are the values themselves. */
const MAX_VALUE_TICKS = 6;

export interface ChartAxis {
  readonly label: string;
  readonly scale: 'linear' | 'log' | 'category';
  /** 0 at the bottom, 1 at the top; undefined for a value the axis does not hold. */
  position(value: SweepValue | null | undefined): number | undefined;
  readonly ticks: readonly { readonly position: number; readonly label: string }[];
}

/** `0.000312` → `0.000312`, `1234.5678` → `1235`: three significant digits. */
export function formatTick(value: number): string {
  return String(Number(value.toPrecision(3)));
}

/** An axis for the values one dimension (or the metric) takes across the trials. */
export function axisOf(
  label: string,
  values: readonly (SweepValue | null | undefined)[],
): ChartAxis {
  const present = values.filter(
    (value): value is SweepValue => value !== null && value !== undefined,
  );
  const numbers = present.filter((value): value is number => typeof value === 'number');
  if (present.length > 0 && numbers.length === present.length) return numericAxis(label, numbers);
  const categories = [...new Set(present.map(String))].sort((a, b) =>
    a.localeCompare(b, 'en', { numeric: true }),
  );
  const spot = (index: number) => (categories.length === 1 ? 0.5 : index / (categories.length - 1));
  return {
    label,
    scale: 'category',
    position: (value) => {
      if (value === null || value === undefined) return undefined;
      const index = categories.indexOf(String(value));
      return index === -1 ? undefined : spot(index);
    },
    ticks: categories.map((category, index) => ({ position: spot(index), label: category })),
  };
}

function numericAxis(label: string, numbers: readonly number[]): ChartAxis {
  let min = Infinity;
  let max = -Infinity;
  for (const value of numbers) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  const log = min > 0 && max / min > LOG_AXIS_RATIO;
  const transform = log ? Math.log10 : (value: number) => value;
  const [low, high] = [transform(min), transform(max)];
  const position = (value: SweepValue | null | undefined) => {
    if (typeof value !== 'number' || (log && value <= 0)) return undefined;
    return high === low ? 0.5 : (transform(value) - low) / (high - low);
  };
  // A few distinct values (a grid's) are the ticks themselves; many get round steps between the ends.
  const distinct = new Set(numbers);
  const tickValues = distinct.size <= MAX_VALUE_TICKS ? distinct : new Set<number>([min, max]);
  if (distinct.size > MAX_VALUE_TICKS && log) {
    for (let power = Math.ceil(low); power <= Math.floor(high); power += 1)
      tickValues.add(10 ** power);
  } else if (distinct.size > MAX_VALUE_TICKS && max > min) {
    for (let step = 1; step < 4; step += 1) tickValues.add(min + ((max - min) * step) / 4);
  }
  const ticks = spreadTicks(
    [...tickValues]
      .sort((a, b) => a - b)
      .map((value) => ({ position: position(value) ?? 0.5, label: formatTick(value) })),
  );
  return { label: log ? `${label} (log)` : label, scale: log ? 'log' : 'linear', position, ticks };
}

/** Closer than this (of the axis's height), two tick labels would print over each other. */
const MIN_TICK_GAP = 0.06;

/**
 * The ticks that have room: the lowest and the highest always, those between only when clear of
 * the last one kept and of the highest.
 */
export function spreadTicks<T extends { readonly position: number }>(ticks: readonly T[]): T[] {
  const first = ticks[0];
  const last = ticks[ticks.length - 1];
  if (first === undefined || last === undefined || ticks.length === 1) return [...ticks];
  const kept = [first];
  for (const tick of ticks.slice(1, -1)) {
    const previous = kept[kept.length - 1] ?? first;
    if (
      tick.position - previous.position >= MIN_TICK_GAP &&
      last.position - tick.position >= MIN_TICK_GAP
    )
      kept.push(tick);
  }
  kept.push(last);
  return kept;
}

/** Viridis, from its five anchors: 0 dark blue … 1 yellow. */
const VIRIDIS: readonly (readonly [number, number, number])[] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

export function viridis(t: number): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  const scaled = clamped * (VIRIDIS.length - 1);
  const index = Math.min(VIRIDIS.length - 2, Math.floor(scaled));
  const fraction = scaled - index;
  const from = VIRIDIS[index] ?? [0, 0, 0];
  const to = VIRIDIS[index + 1] ?? from;
  const channel = (position: 0 | 1 | 2) =>
    Math.round(from[position] + (to[position] - from[position]) * fraction)
      .toString(16)
      .padStart(2, '0');
  return `#${channel(0)}${channel(1)}${channel(2)}`;
}

/**
 * How good each value is among the trials' values, by its place in their order: 1 the best, 0 the
 * worst, evenly between (a diverging trial's huge loss does not wash the others into one colour).
 */
export function shadesByRank(values: readonly number[], goal: Goal): Map<number, number> {
  const ordered = [...new Set(values)].sort((a, b) => (goal === 'minimize' ? b - a : a - b));
  const last = ordered.length - 1;
  return new Map(ordered.map((value, index) => [value, last === 0 ? 1 : index / last]));
}

export interface ParallelCoordinatesOptions {
  readonly entries: readonly LeaderboardEntry[];
  /** The swept params, in the sweep's order. */
  readonly paths: readonly string[];
  readonly metric: { readonly name: MetricName; readonly goal: Goal };
}

const HEIGHT = 320;
const MARGIN = { top: 40, right: 60, bottom: 58, left: 100 };
const GREY = '#a0a8b4';

const round = (value: number) => Math.round(value * 10) / 10;

/** The whole chart as SVG markup. */
export function parallelCoordinatesSvg(options: ParallelCoordinatesOptions): string {
  const { entries, paths, metric } = options;
  const axes = [
    ...paths.map((path) =>
      axisOf(
        path,
        entries.map((entry) => entry.assignment[path]),
      ),
    ),
    axisOf(
      metric.name,
      entries.map((entry) => entry.value),
    ),
  ];
  const width = Math.max(900, 190 * axes.length);
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const x = (index: number) =>
    round(
      MARGIN.left + (axes.length === 1 ? plotWidth / 2 : (plotWidth * index) / (axes.length - 1)),
    );
  const y = (position: number) => round(MARGIN.top + (1 - position) * HEIGHT);
  const total = MARGIN.top + HEIGHT + MARGIN.bottom;

  const values = entries.flatMap((entry) => (entry.value === null ? [] : [entry.value]));
  const [min, max] = [Math.min(...values), Math.max(...values)];
  const shades = shadesByRank(values, metric.goal);
  const shadeOf = (value: number | null) => (value === null ? -1 : (shades.get(value) ?? 0));
  // Trials without a value first, then worst to best: the best is drawn last, on top.
  const ordered = [...entries].sort((a, b) => shadeOf(a.value) - shadeOf(b.value));
  let lines = '';
  for (const entry of ordered) {
    const points: string[] = [];
    paths.forEach((path, index) => {
      const position = axes[index]?.position(entry.assignment[path]);
      if (position !== undefined) points.push(`${x(index)},${y(position)}`);
    });
    const metricPosition = axes[axes.length - 1]?.position(entry.value);
    if (metricPosition !== undefined) points.push(`${x(axes.length - 1)},${y(metricPosition)}`);
    if (points.length === 0) continue;
    const colour = entry.value === null ? GREY : viridis(shadeOf(entry.value));
    const assignment = paths
      .map((path) => `${path}=${formatValue(entry.assignment[path])}`)
      .join(', ');
    const title = `#${entry.trial} (${entry.state}): ${assignment} · ${metric.name} ${formatMetric(entry.value)}`;
    const classes = [
      'trial-line',
      entry.value === null ? 'no-value' : '',
      entry.rank === 1 ? 'best' : '',
    ]
      .filter(Boolean)
      .join(' ');
    lines += `<polyline class="${classes}" data-trial="${entry.trial}" points="${points.join(' ')}" stroke="${colour}"><title>${escapeHtml(title)}</title></polyline>`;
  }

  let axesMarkup = '';
  axes.forEach((axis, index) => {
    const at = x(index);
    axesMarkup += `<g class="axis" data-axis="${escapeHtml(axis.label)}" data-scale="${axis.scale}">`;
    axesMarkup += `<line x1="${at}" y1="${y(1)}" x2="${at}" y2="${y(0)}"/>`;
    axesMarkup += `<text class="axis-label" x="${at}" y="${MARGIN.top - 18}" text-anchor="middle">${escapeHtml(axis.label)}</text>`;
    for (const tick of axis.ticks) {
      const ty = y(tick.position);
      axesMarkup += `<line class="tick" x1="${at - 4}" y1="${ty}" x2="${at}" y2="${ty}"/>`;
      axesMarkup += `<text class="tick-label" x="${at - 7}" y="${round(ty + 4)}" text-anchor="end">${escapeHtml(tick.label)}</text>`;
    }
    axesMarkup += '</g>';
  });

  const legend = legendMarkup(values.length > 0 ? { min, max } : undefined, metric, width, total);
  const label = `Parallel coordinates of ${entries.length} trials: ${paths.join(', ')} and ${metric.name}, each trial a line coloured by ${metric.name}`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="pc-chart" viewBox="0 0 ${width} ${total}" width="${width}" height="${total}" role="img" aria-label="${escapeHtml(label)}">` +
    `<g class="lines">${lines}</g>${axesMarkup}${legend}</svg>`
  );
}

/** A colour bar under the chart: the worst value at its left end, the best at its right. */
function legendMarkup(
  range: { min: number; max: number } | undefined,
  metric: { readonly name: MetricName; readonly goal: Goal },
  width: number,
  total: number,
): string {
  const barWidth = 220;
  const left = width - MARGIN.right - barWidth - 90;
  const top = total - 26;
  let stops = '';
  for (let step = 0; step <= 4; step += 1) {
    stops += `<stop offset="${step * 25}%" stop-color="${viridis(step / 4)}"/>`;
  }
  const [worst, best] =
    range === undefined
      ? ['—', '—']
      : metric.goal === 'minimize'
        ? [formatMetric(range.max), formatMetric(range.min)]
        : [formatMetric(range.min), formatMetric(range.max)];
  return (
    `<g class="legend"><defs><linearGradient id="pc-gradient">${stops}</linearGradient></defs>` +
    `<text class="tick-label" x="${left - 8}" y="${top + 9}" text-anchor="end">${escapeHtml(metric.name)}: worst ${worst}</text>` +
    `<rect x="${left}" y="${top}" width="${barWidth}" height="10" fill="url(#pc-gradient)"/>` +
    `<text class="tick-label" x="${left + barWidth + 6}" y="${top + 9}">best ${best}</text></g>`
  );
}
