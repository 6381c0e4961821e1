/** Axis tick helpers: "nice" steps of 1, 2, 2.5 or 5 × 10^k, as matplotlib's MaxNLocator. */

const STEPS = [1, 2, 2.5, 5, 10] as const;

/** The smallest nice step giving at most `maxTicks` ticks across [lo, hi]. */
export function niceStep(lo: number, hi: number, maxTicks: number, integer = false): number {
  const span = hi - lo;
  if (!(span > 0)) return 1;
  const raw = span / Math.max(1, maxTicks - 1);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const s of STEPS) {
    const step = s * magnitude;
    if (integer && step < 1) continue;
    if (integer && !Number.isInteger(step)) continue;
    if (Math.floor(hi / step) - Math.ceil(lo / step) + 1 <= maxTicks) return step;
  }
  return integer ? Math.max(1, 10 * magnitude) : 10 * magnitude;
}

/** Tick values inside [lo, hi] at multiples of a nice step. */
export function niceTicks(lo: number, hi: number, maxTicks = 7, integer = false): number[] {
  const step = niceStep(lo, hi, maxTicks, integer);
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  const ticks: number[] = [];
  for (let k = first; k <= last; k++) ticks.push(roundTo(k * step, step));
  return ticks;
}

/** Rounds away floating noise (0.30000000000000004 → 0.3) at the step's precision. */
function roundTo(value: number, step: number): number {
  const digits = decimalsFor(step) + 2;
  return Number(value.toFixed(Math.min(20, digits)));
}

/** How many decimals a tick label needs for this step. */
export function decimalsFor(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) return 0;
  let d = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  while (d < 12 && Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) > 1e-6) d++;
  return d;
}

/** Label text for ticks of `step`; uses a true minus sign like matplotlib. */
export function formatTick(value: number, step: number): string {
  const d = decimalsFor(step);
  const text = (Object.is(value, -0) ? 0 : value).toFixed(d);
  return text.startsWith('-') ? `\u2212${text.slice(1)}` : text;
}

/** A short general-purpose number label (legend values, colorbar ends, cells). */
export function formatNumber(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const abs = Math.abs(value);
  const text =
    abs >= 1e5 || abs < 1e-3
      ? value.toExponential(digits - 1)
      : String(Number(value.toPrecision(digits)));
  return text.startsWith('-') ? `\u2212${text.slice(1)}` : text;
}

/** Expands a degenerate or empty range so an axis can be drawn over it. */
export function widen(lo: number, hi: number): [number, number] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi > lo) return [lo, hi];
  const pad = lo === 0 ? 1 : Math.abs(lo) * 0.05;
  return [lo - pad, hi + pad];
}
