import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import {
  defaultVisualizations,
  modelCheckpointOf,
  modelJsonPath,
  ARTIFACT_FILES,
} from '@convoy/core';
import {
  checkpointEpochOf,
  modelSummarySchema,
  visualizationParamsSchema,
  type CheckpointConfig,
  type EpochRecord,
} from '@convoy/schemas';
import { computeAndStoreVisualization, type VisualizationContext } from './visualize-processor.js';

/**
 * Precomputed visualizations: the ones a training job's page shows by default are computed by the
 * worker that trained the job — the cheap ones whenever a better checkpoint lands, all of them (the
 * confusion matrix too) once training ends, before the job completes — so opening a job costs the
 * dashboard reads and renders only. They are stored exactly as visualize jobs store them (same
 * cache keys, `visualizations/<key>/`), so nothing else changes for readers.
 *
 * Best effort by design: a failure is logged and skipped, a stop (cancel, shutdown) ends it early,
 * and neither ever fails the training job, whose result is final by then. If the process dies
 * meanwhile, the queue hands the job to another worker, which resumes from the final checkpoint,
 * trains no further epoch, and precomputes again.
 */

/** WORKER_PRECOMPUTE: `all` (default), `cheap` (no confusion matrix), `off`. */
export type PrecomputeMode = 'all' | 'cheap' | 'off';

export interface PrecomputeContext extends VisualizationContext {
  readonly logger: Logger;
  readonly mode: PrecomputeMode;
  /** Starts the compute backend on this thread once (a train-only worker has not). */
  readonly ensureBackend: () => Promise<unknown>;
}

export interface PrecomputeOutcome {
  readonly computed: number;
  readonly stored: number;
  readonly failed: number;
  readonly seconds: number;
}

/** Computes (or finds fresh) the job's default visualizations, one by one; never throws. */
export async function precomputeVisualizations(
  context: PrecomputeContext,
  jobId: string,
  options: { readonly cheap: boolean; readonly untrained: boolean; readonly signal: AbortSignal },
): Promise<PrecomputeOutcome> {
  const started = performance.now();
  const outcome = { computed: 0, stored: 0, failed: 0 };
  const done = () => ({ ...outcome, seconds: (performance.now() - started) / 1000 });
  if (context.mode === 'off') return done();
  const cheap = options.cheap || context.mode === 'cheap';
  let requests;
  try {
    const artifacts = context.store.job(jobId);
    const summary = modelSummarySchema.parse(
      JSON.parse((await artifacts.read(ARTIFACT_FILES.summary)).toString('utf8')),
    );
    requests = defaultVisualizations(jobId, summary, { cheap, untrained: options.untrained });
    if (requests.length > 0) await context.ensureBackend();
  } catch (error) {
    context.logger.warn({ jobId, err: error }, 'precompute: no model summary to work from');
    return done();
  }
  for (const request of requests) {
    if (options.signal.aborted) break;
    try {
      const params = visualizationParamsSchema.parse(request);
      const result = await computeAndStoreVisualization(context, params, options.signal);
      if (result.cached) outcome.stored += 1;
      else outcome.computed += 1;
    } catch (error) {
      if (options.signal.aborted) break;
      outcome.failed += 1;
      context.logger.warn(
        { jobId, kind: request.kind, layer: request.layer, err: error },
        'precompute: a visualization failed; the dashboard will ask for it on demand',
      );
    }
  }
  return done();
}

/** How long a checkpoint's precompute waits for its model.json to land before giving up. */
const LANDING_TIMEOUT_MS = 60_000;

/**
 * During training: when an epoch makes a new checkpoint (by the history and the checkpoint's
 * monitor), waits for that model to land in the store (model.json names its epoch), then computes
 * the cheap default visualizations. One at a time; checkpoints arriving meanwhile collapse into the
 * latest.
 */
export class CheckpointPrecompute {
  private lastEpoch: number | undefined;
  private wanted: number | undefined;
  private running: Promise<void> | null = null;
  private readonly controller = new AbortController();
  private untrainedDone = false;

  constructor(
    private readonly context: PrecomputeContext,
    private readonly jobId: string,
    private readonly checkpoint: Pick<CheckpointConfig, 'monitor' | 'saveBestOnly'>,
  ) {}

  /** Call with the history after every finished epoch. */
  onEpoch(history: readonly EpochRecord[]): void {
    if (this.context.mode === 'off') return;
    const epoch = checkpointEpochOf(history, this.checkpoint)?.checkpoint.epoch;
    if (epoch === undefined || epoch === this.lastEpoch) return;
    this.lastEpoch = epoch;
    this.wanted = epoch;
    this.pump();
  }

  /** Stops the one under way (its partial results stay valid) and waits for it. */
  async stop(): Promise<void> {
    this.wanted = undefined;
    this.controller.abort(new Error('training ended'));
    await this.running;
  }

  private pump(): void {
    if (this.running !== null || this.wanted === undefined) return;
    const epoch = this.wanted;
    this.wanted = undefined;
    this.running = this.run(epoch)
      .catch((error: unknown) =>
        this.context.logger.warn({ jobId: this.jobId, err: error }, 'precompute failed'),
      )
      .finally(() => {
        this.running = null;
        this.pump();
      });
  }

  private async run(epoch: number): Promise<void> {
    const { signal } = this.controller;
    if (!(await this.landed(epoch, signal))) return;
    const outcome = await precomputeVisualizations(this.context, this.jobId, {
      cheap: true,
      untrained: !this.untrainedDone,
      signal,
    });
    this.untrainedDone = true;
    this.context.logger.info(
      { jobId: this.jobId, epoch, ...outcome },
      'checkpoint visualizations precomputed',
    );
  }

  /** Whether model.json says epoch `epoch` (or later) before the timeout or the stop. */
  private async landed(epoch: number, signal: AbortSignal): Promise<boolean> {
    const artifacts = this.context.store.job(this.jobId);
    const deadline = Date.now() + LANDING_TIMEOUT_MS;
    while (!signal.aborted && Date.now() < deadline) {
      const saved = await artifacts.read(modelJsonPath('trained')).then(
        (bytes) => modelCheckpointOf(bytes)?.epoch,
        () => undefined,
      );
      if (saved !== undefined && saved >= epoch) return true;
      await sleep(200);
    }
    return false;
  }
}
