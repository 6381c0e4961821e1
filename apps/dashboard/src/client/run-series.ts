import type { LineSeries } from './chart-kit.js';

/** What GET /jobs/:id/metrics.json answers. */
export interface RunMetrics {
  history: {
    epoch: number;
    loss: number;
    accuracy: number;
    val_loss?: number;
    val_accuracy?: number;
  }[];
  scalars: {
    every: number;
    batchesPerEpoch: number;
    step: number[];
    epoch: number[];
    loss: number[];
    accuracy: number[];
  } | null;
  bestEpoch: number | null;
  monitor: string | null;
}

export type Metric = 'loss' | 'accuracy';

export async function fetchMetrics(jobId: string): Promise<RunMetrics | undefined> {
  const response = await fetch(`/jobs/${jobId}/metrics.json`);
  if (!response.ok) return undefined;
  return (await response.json()) as RunMetrics;
}

/**
 * A run's series of one metric on an x axis in epochs: per-batch points at step / batches per
 * epoch (smoothed, with the raw points faint behind), training and validation per epoch.
 */
export function runSeries(
  metrics: RunMetrics,
  metric: Metric,
  options: { color: string; prefix?: string; batches: boolean; raw?: boolean },
): LineSeries[] {
  const prefix = options.prefix ?? '';
  const series: LineSeries[] = [];
  const scalars = metrics.scalars;
  if (options.batches && scalars !== null && scalars.step.length > 0) {
    const points = scalars.step.map(
      (step, index) => [step / scalars.batchesPerEpoch, scalars[metric][index] ?? 0] as const,
    );
    if (options.raw !== false)
      series.push({
        label: `${prefix}${metric} per batch`,
        points,
        color: options.color,
        faint: true,
      });
    series.push({
      label: `${prefix}${metric} per batch (smoothed)`,
      points,
      color: options.color,
      smooth: true,
      width: 1.5,
    });
  }
  series.push({
    label: `${prefix}${metric} per epoch`,
    points: metrics.history.map((record) => [record.epoch, record[metric]] as const),
    color: options.color,
    width: 2.5,
  });
  const validation = metrics.history.flatMap((record) => {
    const value = record[`val_${metric}`];
    return value === undefined ? [] : [[record.epoch, value] as const];
  });
  if (validation.length > 0)
    series.push({
      label: `${prefix}val_${metric}`,
      points: validation,
      color: options.color,
      dash: [6, 4],
      width: 2.5,
    });
  return series;
}
