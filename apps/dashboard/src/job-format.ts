import {
  trainingParamsSchema,
  trainingResultSchema,
  type EpochRecord,
  type JobView,
  type TrainingParams,
  type TrainingResult,
} from '@convoy/schemas';

/** A train job's parameters (defaults filled in by the API), or undefined for anything else. */
export function trainingParamsOf(
  view: Pick<JobView, 'type' | 'params'>,
): TrainingParams | undefined {
  if (view.type !== 'train') return undefined;
  const parsed = trainingParamsSchema.safeParse(view.params);
  return parsed.success ? parsed.data : undefined;
}

/** A completed train job's result, or undefined. */
export function trainingResultOf(
  view: Pick<JobView, 'type' | 'result'>,
): TrainingResult | undefined {
  if (view.type !== 'train') return undefined;
  const parsed = trainingResultSchema.safeParse(view.result);
  return parsed.success ? parsed.data : undefined;
}

/** `cnn`, `cnn-avgpool`, or `custom (7 layers)`. */
export function describeModel(params: TrainingParams | undefined): string {
  if (params === undefined) return '—';
  return 'preset' in params.model
    ? params.model.preset
    : `custom (${params.model.layers.length} layers)`;
}

/** The best validation accuracy so far (training accuracy when there is no validation data). */
export function bestAccuracy(
  history: readonly EpochRecord[],
): { value: number; metric: 'val_accuracy' | 'accuracy'; epoch: number } | undefined {
  let best: { value: number; metric: 'val_accuracy' | 'accuracy'; epoch: number } | undefined;
  for (const record of history) {
    const metric = record.val_accuracy === undefined ? 'accuracy' : 'val_accuracy';
    const value = record.val_accuracy ?? record.accuracy;
    if (best === undefined || value > best.value) best = { value, metric, epoch: record.epoch };
  }
  return best;
}

/** Progress in percent: 100 once completed, the last report otherwise. */
export function percentOf(view: Pick<JobView, 'state' | 'progress' | 'type'>): number {
  if (view.state === 'completed') return 100;
  return Math.max(0, Math.min(100, view.progress?.percent ?? 0));
}

/** Running time: start to finish, or start to `now` while the job runs. */
export function durationOf(
  view: Pick<JobView, 'startedAt' | 'finishedAt' | 'state'>,
  now: number,
): number | undefined {
  if (view.startedAt === null) return undefined;
  const end =
    view.finishedAt !== null ? Date.parse(view.finishedAt) : view.state === 'active' ? now : NaN;
  const duration = end - Date.parse(view.startedAt);
  return Number.isFinite(duration) ? Math.max(0, duration) : undefined;
}

/** `850 ms`, `12.4 s`, `3 min 04 s`, `1 h 02 min`. */
export function formatDuration(milliseconds: number | undefined): string {
  if (milliseconds === undefined) return '—';
  if (milliseconds < 1000) return `${Math.round(milliseconds)} ms`;
  const seconds = milliseconds / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(Math.floor(seconds % 60)).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** `0.8734` as `87.3%`. */
export function formatPercent(fraction: number | undefined | null): string {
  return fraction === undefined || fraction === null ? '—' : `${(fraction * 100).toFixed(1)}%`;
}

/** An ISO time as `2024-05-01 12:00:03` (UTC, shown as such). */
export function formatTime(iso: string | null): string {
  return iso === null ? '—' : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** `Epoch 2/10 · batch 120/300 · 42%`, or the state when there is no progress. */
export function describeProgress(view: Pick<JobView, 'state' | 'progress'>): string {
  const progress = view.progress;
  if (progress === null) return view.state === 'waiting' ? 'waiting for a worker' : view.state;
  const percent = view.state === 'completed' ? 100 : progress.percent;
  return `epoch ${progress.epoch}/${progress.epochs} · batch ${progress.batch}/${progress.batches} · ${Math.round(percent)}%`;
}

/** A job id shortened for tables: `train_mg3k…9f2a`. */
export function shortId(id: string): string {
  return id.length > 20 ? `${id.slice(0, 12)}…${id.slice(-4)}` : id;
}
