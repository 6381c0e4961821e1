import type { CanvasRenderingContext2D } from 'canvas';
import {
  createSurface,
  font,
  measuringContext,
  type ImageFormat,
  type Surface,
} from './surface.js';
import { formatTick, niceStep, niceTicks } from './ticks.js';

/** Cartesian axes in the style of matplotlib's defaults (spines, outward ticks, labels). */

export interface AxisSpec {
  /** The view limits. */
  readonly lo: number;
  readonly hi: number;
  /** Whole-number ticks only (epochs, counts). */
  readonly integer?: boolean;
  readonly label?: string | undefined;
}

export interface ChartSpec {
  readonly width: number;
  readonly height: number;
  readonly format: ImageFormat;
  readonly x: AxisSpec;
  readonly y: AxisSpec;
  readonly title?: string | undefined;
  readonly grid?: boolean;
  /** Pixels kept free of data at the top of the plot (room for a legend). */
  readonly headroomPx?: number;
}

export interface PlotArea {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

const TICK_FONT_PX = 12;
const LABEL_FONT_PX = 13;
const TITLE_FONT_PX = 15;
const LEGEND_FONT_PX = 12;
const GRID_COLOR = '#e5e5e5';

interface Ticks {
  readonly values: number[];
  readonly step: number;
}

function ticksFor(axis: AxisSpec, lengthPx: number, minSpacingPx: number): Ticks {
  const maxTicks = Math.max(2, Math.min(10, Math.floor(lengthPx / minSpacingPx) + 1));
  return {
    values: niceTicks(axis.lo, axis.hi, maxTicks, axis.integer),
    step: niceStep(axis.lo, axis.hi, maxTicks, axis.integer),
  };
}

export class Chart {
  readonly surface: Surface;
  readonly ctx: CanvasRenderingContext2D;
  readonly plot: PlotArea;
  readonly #spec: ChartSpec;
  readonly #xTicks: Ticks;
  readonly #yTicks: Ticks;

  constructor(spec: ChartSpec) {
    const { width, height } = spec;
    const top = spec.title ? 12 + TITLE_FONT_PX + 14 : 14;
    const bottom = 8 + TICK_FONT_PX + 6 + (spec.x.label ? LABEL_FONT_PX + 10 : 0) + 6;
    const right = 18;
    const plotH = Math.max(10, height - top - bottom);
    // Headroom: stretch the y range so the data stays clear of a band at the top (for a legend).
    const headroom = spec.headroomPx ?? 0;
    let y = spec.y;
    if (headroom > 0 && plotH > headroom + 40) {
      y = { ...y, hi: y.lo + ((y.hi - y.lo) * plotH) / (plotH - headroom) };
    }
    this.#spec = { ...spec, y };
    const measure = measuringContext();
    measure.font = font(TICK_FONT_PX);
    // y tick labels decide the left margin; ticks are spaced ≥ 40 px (y) / 70 px (x).
    this.#yTicks = ticksFor(y, plotH, 40);
    const yLabelW = Math.max(
      0,
      ...this.#yTicks.values.map(
        (t) => measure.measureText(formatTick(t, this.#yTicks.step)).width,
      ),
    );
    const left = Math.ceil(10 + (y.label ? LABEL_FONT_PX + 10 : 0) + yLabelW + 8);
    this.plot = { left, top, width: Math.max(10, width - left - right), height: plotH };
    this.#xTicks = ticksFor(spec.x, this.plot.width, 70);
    this.surface = createSurface(width, height, spec.format);
    this.ctx = this.surface.ctx;
  }

  x(value: number): number {
    const { lo, hi } = this.#spec.x;
    return this.plot.left + ((value - lo) / (hi - lo)) * this.plot.width;
  }

  y(value: number): number {
    const { lo, hi } = this.#spec.y;
    return this.plot.top + this.plot.height - ((value - lo) / (hi - lo)) * this.plot.height;
  }

  /** Light grid lines at the ticks (drawn first, under the data). */
  drawGrid(): void {
    const { ctx, plot } = this;
    ctx.save();
    ctx.strokeStyle = GRID_COLOR;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (const t of this.#xTicks.values) {
      const px = Math.round(this.x(t)) + 0.5;
      ctx.moveTo(px, plot.top);
      ctx.lineTo(px, plot.top + plot.height);
    }
    for (const t of this.#yTicks.values) {
      const py = Math.round(this.y(t)) + 0.5;
      ctx.moveTo(plot.left, py);
      ctx.lineTo(plot.left + plot.width, py);
    }
    ctx.stroke();
    ctx.restore();
  }

  /** Runs `draw` clipped to the plot area. */
  clipped(draw: (ctx: CanvasRenderingContext2D) => void): void {
    const { ctx, plot } = this;
    ctx.save();
    ctx.beginPath();
    ctx.rect(plot.left, plot.top, plot.width, plot.height);
    ctx.clip();
    draw(ctx);
    ctx.restore();
  }

  /** Spines, ticks, tick labels, axis labels and title (drawn last, over the data). */
  drawAxes(): void {
    const { ctx, plot } = this;
    const spec = this.#spec;
    const bottomY = plot.top + plot.height;
    ctx.save();
    ctx.strokeStyle = '#000000';
    ctx.fillStyle = '#000000';
    ctx.lineWidth = 1;
    ctx.strokeRect(plot.left + 0.5, plot.top + 0.5, plot.width - 1, plot.height - 1);
    ctx.font = font(TICK_FONT_PX);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.beginPath();
    for (const t of this.#xTicks.values) {
      const px = Math.round(this.x(t)) + 0.5;
      ctx.moveTo(px, bottomY);
      ctx.lineTo(px, bottomY + 4);
      ctx.fillText(formatTick(t, this.#xTicks.step), px, bottomY + 7);
    }
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const t of this.#yTicks.values) {
      const py = Math.round(this.y(t)) + 0.5;
      ctx.moveTo(plot.left, py);
      ctx.lineTo(plot.left - 4, py);
      ctx.fillText(formatTick(t, this.#yTicks.step), plot.left - 7, py);
    }
    ctx.stroke();
    ctx.font = font(LABEL_FONT_PX);
    if (spec.x.label) {
      ctx.textAlign = 'center';
      ctx.textBaseline = 'top';
      ctx.fillText(spec.x.label, plot.left + plot.width / 2, bottomY + 7 + TICK_FONT_PX + 8);
    }
    if (spec.y.label) {
      ctx.save();
      ctx.translate(10, plot.top + plot.height / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = 'center';
      ctx.textBaseline = 'top';
      ctx.fillText(spec.y.label, 0, 0);
      ctx.restore();
    }
    if (spec.title) {
      ctx.font = font(TITLE_FONT_PX);
      ctx.textAlign = 'center';
      ctx.textBaseline = 'bottom';
      ctx.fillText(spec.title, plot.left + plot.width / 2, plot.top - 8, spec.width - 20);
    }
    ctx.restore();
  }

  /**
   * A legend box in the plot corner that covers the fewest of `avoid` (data points in pixels),
   * as matplotlib's `loc='best'`.
   */
  drawLegend(entries: readonly LegendEntry[], avoid: readonly (readonly [number, number])[]): void {
    if (entries.length === 0) return;
    const { ctx, plot } = this;
    ctx.save();
    ctx.font = font(LEGEND_FONT_PX);
    const { sample, pad, rowH, inset } = LEGEND;
    const { width: boxW, height: boxH } = legendBox(entries);
    const xs = [plot.left + plot.width - inset - boxW, plot.left + inset];
    const ys = [plot.top + inset, plot.top + plot.height - inset - boxH];
    const candidates: [number, number][] = [];
    for (const y of ys) for (const x of xs) candidates.push([x, y]);
    candidates.push([plot.left + plot.width - inset - boxW, plot.top + (plot.height - boxH) / 2]);
    let best = candidates[0] ?? [plot.left, plot.top];
    let bestHits = Infinity;
    for (const c of candidates) {
      const hits = avoid.filter(
        ([px, py]) => px >= c[0] && px <= c[0] + boxW && py >= c[1] && py <= c[1] + boxH,
      ).length;
      if (hits < bestHits) {
        bestHits = hits;
        best = c;
      }
    }
    const [bx, by] = [Math.round(best[0]), Math.round(best[1])];
    ctx.globalAlpha = 0.85;
    ctx.fillStyle = '#ffffff';
    ctx.beginPath();
    ctx.roundRect(bx + 0.5, by + 0.5, boxW, boxH, 3);
    ctx.fill();
    ctx.globalAlpha = 1;
    ctx.strokeStyle = '#cccccc';
    ctx.lineWidth = 1;
    ctx.stroke();
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    entries.forEach((e, i) => {
      const cy = by + pad + rowH * i + (rowH - 4) / 2;
      const sx = bx + pad;
      if (e.kind === 'patch') {
        ctx.globalAlpha = e.alpha ?? 1;
        ctx.fillStyle = e.color;
        ctx.fillRect(sx, cy - 5, sample, 10);
        ctx.globalAlpha = 1;
      } else {
        ctx.strokeStyle = e.color;
        ctx.lineWidth = 2;
        ctx.setLineDash(e.dashed ? [6, 3] : []);
        ctx.beginPath();
        ctx.moveTo(sx, cy);
        ctx.lineTo(sx + sample, cy);
        ctx.stroke();
        ctx.setLineDash([]);
      }
      ctx.fillStyle = '#000000';
      ctx.fillText(e.label, sx + sample + 7, cy);
    });
    ctx.restore();
  }
}

const LEGEND = { sample: 24, pad: 7, rowH: LEGEND_FONT_PX + 7, inset: 8 } as const;

/** The legend's box size in pixels; `inset` is its distance from the plot's edges. */
export function legendBox(entries: readonly LegendEntry[]): {
  width: number;
  height: number;
  inset: number;
} {
  const measure = measuringContext();
  measure.font = font(LEGEND_FONT_PX);
  const { sample, pad, rowH, inset } = LEGEND;
  const textW = Math.max(0, ...entries.map((e) => measure.measureText(e.label).width));
  return {
    width: Math.ceil(pad * 2 + sample + 7 + textW),
    height: pad * 2 + rowH * entries.length - 4,
    inset,
  };
}

export interface LegendEntry {
  readonly label: string;
  readonly color: string;
  readonly kind: 'line' | 'patch';
  readonly dashed?: boolean;
  readonly alpha?: number;
}

/** View limits with matplotlib's 5 % margins; degenerate ranges are widened. */
export function withMargins(lo: number, hi: number, margin = 0.05): [number, number] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi <= lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return [lo - pad, hi + pad];
  }
  const pad = (hi - lo) * margin;
  return [lo - pad, hi + pad];
}
