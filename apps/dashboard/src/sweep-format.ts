import {
  sweepParamsSchema,
  type EarlyTermination,
  type JobView,
  type SweepDimension,
  type SweepParams,
} from '@convoy/schemas';
import { describeModel, formatPercent } from './job-format.js';

/**
 * How a sweep reads on the server's pages (its own page and the job list): its params as the API
 * filled them in, the search space, the early-termination rule, and the short lines of the list.
 */

/** A sweep's params (defaults filled in by the API), or undefined for anything else. */
export function sweepParamsOf(view: Pick<JobView, 'type' | 'params'>): SweepParams | undefined {
  if (view.type !== 'sweep') return undefined;
  const parsed = sweepParamsSchema.safeParse(view.params);
  return parsed.success ? parsed.data : undefined;
}

/** The swept param paths in the sweep's order (the leaderboard's and the chart's columns). */
export function sweptPaths(view: Pick<JobView, 'type' | 'params'>): string[] {
  const params = view.params as { parameters?: unknown } | null;
  const space = params?.parameters;
  return typeof space === 'object' && space !== null ? Object.keys(space) : [];
}

/** `cnn, cnn-avgpool` or `log_uniform 0.0001 – 0.01`. */
export function describeDimension(dimension: SweepDimension): string {
  if ('values' in dimension) return dimension.values.map(String).join(', ');
  return `${dimension.distribution} ${dimension.min} – ${dimension.max}`;
}

/** `off`, `median stopping (after 1 epoch, 3 trials)`, `ASHA (rungs from epoch 1, η 3)`. */
export function describeEarlyTermination(rule: EarlyTermination): string {
  if (rule === false) return 'off';
  if (rule.type === 'median')
    return `median stopping (after ${rule.graceEpochs} epoch${rule.graceEpochs === 1 ? '' : 's'}, once ${rule.minTrials} trial${rule.minTrials === 1 ? '' : 's'} reached it)`;
  return `ASHA (rungs from epoch ${rule.minEpochs}, reduction factor ${rule.reductionFactor})`;
}

/** The list's line under a sweep's name: `grid · 4 trials` (`random · 100 trials`). */
export function describeSweepKind(view: Pick<JobView, 'type' | 'params' | 'sweep'>): string {
  const params = view.params as { method?: unknown } | null;
  const method = typeof params?.method === 'string' ? params.method : 'sweep';
  const total = view.sweep?.trials.total;
  return total === undefined ? method : `${method} · ${total} trial${total === 1 ? '' : 's'}`;
}

/** The list's progress line of a sweep: `2/4 trials finished · 1 running`. */
export function describeSweepProgress(view: Pick<JobView, 'sweep'>): string {
  const counts = view.sweep?.trials;
  if (counts === undefined) return '';
  const finished = counts.completed + counts.pruned + counts.failed + counts.cancelled;
  const parts = [`${finished}/${counts.total} trials finished`];
  if (counts.active > 0) parts.push(`${counts.active} running`);
  return parts.join(' · ');
}

/** The best trial's value of the sweep's metric: `val_loss 0.3120`, `val_accuracy 87.3%`. */
export function describeSweepBest(view: Pick<JobView, 'sweep'>): string | undefined {
  const sweep = view.sweep;
  const value = sweep?.best?.value;
  if (sweep === undefined || value === undefined || value === null) return undefined;
  const name = sweep.metric.name;
  return `${name} ${name.endsWith('accuracy') ? formatPercent(value) : value.toFixed(4)}`;
}

/** The list's Model cell of a sweep: the base model, or the presets it varies (`cnn, cnn-avgpool`). */
export function describeSweepModel(view: Pick<JobView, 'type' | 'params'>): string {
  const params = sweepParamsOf(view);
  if (params === undefined) return '—';
  const presets = params.parameters['model.preset'];
  if (presets !== undefined && 'values' in presets) return presets.values.map(String).join(', ');
  const base = describeModel(params.base);
  return Object.keys(params.parameters).some((path) => path.startsWith('model.'))
    ? `${base}, layers varied`
    : base;
}
