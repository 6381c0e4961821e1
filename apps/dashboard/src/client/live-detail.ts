/**
 * The live parts of a training job's detail panel: the progress line (running loss and accuracy,
 * images/s, ETA, or the stage before the first batch), the backend once the worker names it, the
 * Duration that ticks while the job runs, and which checkpoint the pictures of the model show.
 * The server renders the same texts first (job-format.ts describeProgress, job-page.ts).
 */

export interface LiveProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  percent: number;
  loss?: number;
  accuracy?: number;
  imagesPerSecond?: number;
  etaSeconds?: number;
}

export type Stage = 'loading-data' | 'building-model' | 'training' | 'precomputing-visualizations';

/** STAGE_TEXT of job-format.ts. */
const STAGE_TEXT: Record<Stage, string> = {
  'loading-data': 'starting: loading data',
  'building-model': 'starting: building the model',
  training: 'starting: first batches',
  'precomputing-visualizations': 'training done: precomputing visualizations',
};

/** formatDuration of job-format.ts: `850 ms`, `12.4 s`, `3 min 04 s`, `1 h 02 min`. */
export function formatDuration(milliseconds: number): string {
  if (milliseconds < 1000) return `${Math.round(milliseconds)} ms`;
  const seconds = milliseconds / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(Math.floor(seconds % 60)).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

const formatEta = (seconds: number) =>
  formatDuration(Math.round(seconds) * 1000).replace(/\.0 s$/, ' s');

/** describeProgress of job-format.ts, for a training job. */
export function progressText(
  state: string,
  progress: LiveProgress | null,
  stage: Stage | null,
): string {
  if (state === 'active' && stage === 'precomputing-visualizations') return STAGE_TEXT[stage];
  if (progress === null) {
    if (state === 'waiting') return 'waiting for a worker';
    if (state === 'active') return stage === null ? 'starting' : STAGE_TEXT[stage];
    return state;
  }
  const percent = state === 'completed' ? 100 : progress.percent;
  const parts = [
    `epoch ${progress.epoch}/${progress.epochs}`,
    `batch ${progress.batch}/${progress.batches}`,
    `${Math.round(percent)}%`,
  ];
  if (progress.loss !== undefined) parts.push(`loss ${progress.loss.toFixed(4)}`);
  if (progress.accuracy !== undefined)
    parts.push(`accuracy ${(progress.accuracy * 100).toFixed(1)}%`);
  if (state === 'active') {
    if (progress.imagesPerSecond !== undefined)
      parts.push(`${Math.round(progress.imagesPerSecond).toLocaleString('en-US')} images/s`);
    if (progress.etaSeconds !== undefined) parts.push(`ETA ${formatEta(progress.etaSeconds)}`);
  }
  return parts.join(' · ');
}

/** Shows the backend the worker reported, unless the panel already names one. */
export function showBackend(backend: string | undefined, device: string | undefined): void {
  const target = document.querySelector('#fact-backend');
  if (target === null || backend === undefined) return;
  target.textContent = `${backend} · ${device ?? '?'}`;
}

/**
 * Ticks the Duration of a running job every second from its start time. The facts panel is
 * re-rendered by the server now and then, so the element is looked up on every tick; a finished
 * job's panel carries its finish time and stays as rendered.
 */
export function startDurationClock(isRunning: () => boolean): void {
  const tick = () => {
    const target = document.querySelector<HTMLElement>('#fact-duration');
    const startedAt = Date.parse(target?.dataset.startedAt ?? '');
    if (target === null || !isRunning() || target.dataset.finishedAt || Number.isNaN(startedAt))
      return;
    target.textContent = formatDuration(Math.max(0, Date.now() - startedAt));
  };
  tick();
  setInterval(tick, 1_000);
}

interface CheckpointAnswer {
  checkpoint: {
    epoch: number;
    monitor: string;
    value: number | null;
    saveBestOnly: boolean;
  } | null;
  version: string | null;
}

/**
 * Asks which checkpoint the best model is; when a new one has landed since the page showed its
 * pictures, relabels them ("as of epoch N") and calls `refresh` to draw them from the new weights.
 */
export function checkpointWatcher(
  base: string,
  initialVersion: string | null,
  refresh: () => void,
): (final: boolean) => Promise<void> {
  let version = initialVersion;
  let checking: Promise<void> | null = null;
  const check = async (final: boolean) => {
    const response = await fetch(`${base}/checkpoint.json`, { cache: 'no-store' });
    if (!response.ok) return;
    const answer = (await response.json()) as CheckpointAnswer;
    if (answer.checkpoint === null || answer.version === version) return;
    version = answer.version;
    const label = document.querySelector<HTMLElement>('#viz-as-of');
    if (label !== null) {
      const { epoch, monitor, value, saveBestOnly } = answer.checkpoint;
      const by = saveBestOnly
        ? `chosen by ${monitor}${value === null ? '' : ` ${value.toFixed(4)}`}`
        : 'every epoch saved';
      label.textContent = `Trained weights as of epoch ${epoch} (${final ? 'the final checkpoint' : 'the checkpoint so far'}, ${by})`;
      label.dataset.version = answer.version ?? '';
    }
    refresh();
  };
  return async (final) => {
    await checking;
    checking = check(final).catch(() => undefined);
    await checking;
  };
}
