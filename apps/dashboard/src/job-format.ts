import {
  checkpointEpochOf,
  trainingParamsSchema,
  trainingResultSchema,
  type JobView,
  type TrainingParams,
  type TrainingResult,
  type TrainingStage,
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

/** The checkpointed epoch's accuracy, as bestAccuracy answers it. */
export interface CheckpointAccuracy {
  /** val_accuracy at the checkpointed epoch (accuracy when there is no validation data). */
  readonly value: number;
  readonly metric: 'val_accuracy' | 'accuracy';
  /** The epoch whose weights `model/` holds: the one the user downloads and inspects. */
  readonly epoch: number;
  /** The metric ModelCheckpoint chose that epoch by (`val_loss` by default). */
  readonly monitor: string;
}

/**
 * The accuracy of the checkpointed epoch — the best model's weights, chosen by the checkpoint's
 * monitor (val_loss by default), not the epoch with the highest val_accuracy. A completed job's
 * result names the epoch; while it trains the history and the checkpoint rule tell it.
 */
export function bestAccuracy(
  view: Pick<JobView, 'type' | 'params' | 'history' | 'result'>,
): CheckpointAccuracy | undefined {
  const params = trainingParamsOf(view);
  const checkpoint = params?.checkpoint ?? { monitor: 'val_loss' as const, saveBestOnly: true };
  const result = trainingResultOf(view);
  const history = view.history.length > 0 ? view.history : (result?.history ?? []);
  const resultEpoch = result?.bestEpoch ?? undefined;
  const record =
    resultEpoch === undefined
      ? checkpointEpochOf(history, checkpoint)?.record
      : history.find((entry) => entry.epoch === resultEpoch);
  if (record === undefined) return undefined;
  const metric = record.val_accuracy === undefined ? 'accuracy' : 'val_accuracy';
  return {
    value: record.val_accuracy ?? record.accuracy,
    metric,
    epoch: record.epoch,
    monitor: result?.best?.monitor ?? checkpoint.monitor,
  };
}

/** `91.4% (epoch 6, by val_loss)`. */
export function describeBest(best: CheckpointAccuracy | undefined): string {
  return best === undefined
    ? '—'
    : `${formatPercent(best.value)} (epoch ${best.epoch}, by ${best.monitor})`;
}

/** Progress in percent: 100 once completed, the last report otherwise (a sweep's: all its trials'). */
export function percentOf(
  view: Pick<JobView, 'state' | 'progress' | 'type'> & Pick<Partial<JobView>, 'sweep'>,
): number {
  if (view.state === 'completed') return 100;
  const percent = view.type === 'sweep' ? view.sweep?.percent : view.progress?.percent;
  return Math.max(0, Math.min(100, percent ?? 0));
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

/** What each stage of a starting or finishing job is called on the page. */
export const STAGE_TEXT: Record<TrainingStage, string> = {
  'loading-data': 'starting: loading data',
  'building-model': 'starting: building the model',
  training: 'starting: first batches',
  'precomputing-visualizations': 'training done: precomputing visualizations',
};

/** `1 min 20 s`-style remaining time, rounded to seconds. */
export function formatEta(seconds: number): string {
  return formatDuration(Math.round(seconds) * 1000).replace(/\.0 s$/, ' s');
}

/**
 * `epoch 2/10 · batch 120/300 · 42% · loss 0.4123 · accuracy 85.1% · 1,234 images/s · ETA 1 min
 * 20 s`, or the stage (`starting: loading data`) or state when there is no progress yet. The job
 * page's script writes the same text from the live events (client/live-detail.ts).
 */
export function describeProgress(
  view: Pick<JobView, 'state' | 'progress'> & { stage?: TrainingStage | undefined },
  detail: 'full' | 'brief' = 'full',
): string {
  const progress = view.progress;
  if (view.state === 'active' && view.stage === 'precomputing-visualizations')
    return STAGE_TEXT[view.stage];
  if (progress === null) {
    if (view.state === 'waiting') return 'waiting for a worker';
    if (view.state === 'active')
      return view.stage === undefined ? 'starting' : STAGE_TEXT[view.stage];
    return view.state;
  }
  const percent = view.state === 'completed' ? 100 : progress.percent;
  const parts = [
    `epoch ${progress.epoch}/${progress.epochs}`,
    `batch ${progress.batch}/${progress.batches}`,
    `${Math.round(percent)}%`,
  ];
  if (detail === 'brief') return parts.join(' · ');
  if (progress.loss !== undefined) parts.push(`loss ${progress.loss.toFixed(4)}`);
  if (progress.accuracy !== undefined) parts.push(`accuracy ${formatPercent(progress.accuracy)}`);
  if (view.state === 'active') {
    if (progress.imagesPerSecond !== undefined)
      parts.push(`${Math.round(progress.imagesPerSecond).toLocaleString('en-US')} images/s`);
    if (progress.etaSeconds !== undefined) parts.push(`ETA ${formatEta(progress.etaSeconds)}`);
  }
  return parts.join(' · ');
}

/** A job id shortened for tables: `train_mg3k…9f2a`. */
export function shortId(id: string): string {
  return id.length > 20 ? `${id.slice(0, 12)}…${id.slice(-4)}` : id;
}
