import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import {
  attemptsStarted,
  CANCELLED_REASON,
  type JobCancellation,
  type TrainJobData,
} from '@convoy/queue';
import {
  describeMemoryOverrun,
  estimateTrainingMemory,
  trainingReportSchema,
  type TrainingParams,
  type TrainingReport,
  type TrainingResult,
} from '@convoy/schemas';
import { within } from './deadline.js';
import { handBack, HAND_BACK_TIMEOUT_MS } from './hand-back.js';
import type { JobControl } from './job-control.js';
import {
  CheckpointPrecompute,
  precomputeVisualizations,
  type PrecomputeContext,
} from './precompute.js';
import {
  admitTrial,
  decideTrialEpoch,
  releaseTrial,
  type SweepTrialContext,
} from './sweep-trial.js';
import { TrainingThreadError, type TrainingThreadPool } from './training-thread-pool.js';

export interface TrainProcessorContext {
  readonly threads: TrainingThreadPool;
  readonly control: JobControl;
  readonly cancellation: JobCancellation;
  readonly logger: Logger;
  /** MAX_JOB_MEMORY_MB: the bound a job's memory estimate must fit, as at the API. */
  readonly maxJobMemoryMb: number;
  /** Default visualizations computed as checkpoints land and before the job completes. */
  readonly precompute?: PrecomputeContext | undefined;
  /** For sweep trials: slots and early termination. */
  readonly sweeps?: SweepTrialContext | undefined;
}

const MIB = 2 ** 20;

/**
 * The API refuses a job over the memory bound; a job that reached the queue another way (straight
 * through BullMQ, or before the bound was lowered) fails here at once rather than on every worker.
 */
function checkMemoryBudget(params: TrainingParams, maxJobMemoryMb: number): void {
  const estimate = estimateTrainingMemory(params);
  if (estimate.bytes > maxJobMemoryMb * MIB) {
    throw new UnrecoverableError(
      `MemoryBudgetError: ${describeMemoryOverrun(params, estimate, maxJobMemoryMb).message}`,
    );
  }
}

/** What an out-of-memory failure says beside the runtime's own words: the estimate, and what to change. */
function outOfMemoryMessage(error: TrainingThreadError, params: TrainingParams): string {
  const estimate = estimateTrainingMemory(params);
  return (
    `OutOfMemoryError: training ran out of memory (${error.name}: ${error.message}); the model was ` +
    `estimated at ${Math.ceil(estimate.bytes / MIB).toLocaleString('en-US')} MB at batch size ` +
    `${estimate.batchSize}: lower batchSize or make the model smaller`
  );
}

/**
 * Runs one training job on a training thread: it resumes from the job's checkpoint when an earlier
 * attempt left one, reports progress and history through the job's progress, and turns a stop into
 * the right queue outcome — cancel: failed as cancelled, never retried; shutdown: back to the queue.
 */
export async function processTrainJob(
  context: TrainProcessorContext,
  job: Job<TrainJobData>,
  data: TrainJobData,
  token: string | undefined,
): Promise<TrainingResult> {
  const id = job.id ?? '';
  const trial = data.sweep;
  const cancelled = await Promise.all([
    context.cancellation.isRequested(id),
    trial === undefined ? false : context.cancellation.isRequested(trial.id),
  ]);
  if (cancelled.includes(true)) throw new UnrecoverableError(CANCELLED_REASON);
  checkMemoryBudget(data.params, context.maxJobMemoryMb);
  const sweeps = trial === undefined ? undefined : context.sweeps;
  if (trial !== undefined && sweeps !== undefined) await admitTrial(sweeps, trial, job, token);
  try {
    return await trainAdmitted(context, job, data, token);
  } finally {
    if (trial !== undefined && sweeps !== undefined) await releaseTrial(sweeps, trial, id);
  }
}

async function trainAdmitted(
  context: TrainProcessorContext,
  job: Job<TrainJobData>,
  data: TrainJobData,
  token: string | undefined,
): Promise<TrainingResult> {
  const id = job.id ?? '';
  const trial = data.sweep;
  const sweeps = context.sweeps;
  const logger = context.logger.child({ jobId: id });
  const report: TrainingReport = { progress: null, history: [], startedAt: firstStart(job) };
  const publish = () => job.updateProgress({ ...report, history: [...report.history] });
  // Best effort: a lost progress update is superseded by the next one.
  const publishSafely = () =>
    publish().catch((error: unknown) => logger.warn({ err: error }, 'progress update failed'));
  const publishLater = latestOnly(publishSafely);
  const signal = context.control.begin(id);
  // The worker began shutting down as BullMQ handed it this job: give it straight back.
  if (signal.aborted) {
    try {
      throw await handBack(job, token, logger);
    } finally {
      context.control.end(id);
    }
  }
  const precompute = context.precompute;
  const checkpoints = precompute
    ? new CheckpointPrecompute(precompute, id, data.params.checkpoint)
    : undefined;
  const run = context.threads.run(id, data.params, {
    onStage(stage, backend) {
      report.stage = stage;
      // Known from the job's start: the page shows it before the first batch ends.
      report.backend = backend.name;
      report.device = backend.device;
      publishLater();
    },
    onStart(resumedFromEpoch, history) {
      report.history = [...history];
      checkpoints?.onEpoch(report.history);
      const attempt = attemptsStarted(job);
      if (resumedFromEpoch > 0 || attempt > 1) report.resumedFromEpoch = resumedFromEpoch;
      logger.info({ resumedFromEpoch, attempt }, 'training started');
      publishLater();
    },
    onProgress(progress) {
      report.progress = progress;
      publishLater();
    },
    onEpoch(record) {
      report.history.push(record);
      logger.info(record, 'epoch finished');
      publishLater();
      checkpoints?.onEpoch(report.history);
    },
    ...(trial !== undefined && trial.earlyTermination !== false && sweeps !== undefined
      ? {
          decideAfterEpoch: async () => {
            const prune = await decideTrialEpoch(sweeps, trial, report.history);
            if (prune !== null)
              logger.info({ sweepId: trial.id, reason: prune }, 'trial stopped early');
            return prune;
          },
        }
      : {}),
  });
  const onStop = () => run.stop(context.control.reasonOf(id) ?? 'cancel');
  signal.addEventListener('abort', onStop, { once: true });
  try {
    const result = await run.result;
    report.backend = result.backend;
    report.device = result.device;
    if (precompute)
      await precomputeAtEnd(precompute, checkpoints, id, signal, report, publishLater);
    // Best effort: with Redis away the result still goes to BullMQ, which waits for it.
    await within(publishSafely(), HAND_BACK_TIMEOUT_MS, undefined);
    logger.info(
      { bestEpoch: result.bestEpoch, best: result.best, imagesPerSecond: result.imagesPerSecond },
      'training completed',
    );
    return result;
  } catch (error) {
    throw await settleFailure(context, job, token, error, data.params);
  } finally {
    signal.removeEventListener('abort', onStop);
    await checkpoints?.stop();
    context.control.end(id);
  }
}

/**
 * Between the training thread's result and the job's completion: the default visualizations of the
 * final model, so the job is complete with them. Never throws; a stop (cancel, shutdown) ends it
 * early and the job still completes, its training being done.
 */
async function precomputeAtEnd(
  precompute: PrecomputeContext,
  checkpoints: CheckpointPrecompute | undefined,
  id: string,
  signal: AbortSignal,
  report: TrainingReport,
  publish: () => void,
): Promise<void> {
  if (precompute.mode === 'off') return;
  try {
    await checkpoints?.stop();
    report.stage = 'precomputing-visualizations';
    publish();
    const outcome = await precomputeVisualizations(precompute, id, {
      cheap: false,
      untrained: true,
      signal,
    });
    precompute.logger.info({ jobId: id, ...outcome }, 'visualizations precomputed');
  } catch (error) {
    precompute.logger.warn({ jobId: id, err: error }, 'precompute failed; the job completes');
  }
}

async function settleFailure(
  context: TrainProcessorContext,
  job: Job<TrainJobData>,
  token: string | undefined,
  error: unknown,
  params: TrainingParams,
): Promise<Error> {
  const id = job.id ?? '';
  if (error instanceof TrainingThreadError && error.aborted) {
    // The thread's mid-epoch checkpoint has landed; hand the job back so any worker resumes it.
    if (context.control.reasonOf(id) === 'shutdown') return handBack(job, token, context.logger);
    context.logger.info({ jobId: id }, 'training cancelled');
    return new UnrecoverableError(CANCELLED_REASON);
  }
  if (error instanceof TrainingThreadError && error.permanent) {
    context.logger.error({ jobId: id, err: error }, 'training failed permanently');
    return new UnrecoverableError(
      error.outOfMemory ? outOfMemoryMessage(error, params) : `${error.name}: ${error.message}`,
    );
  }
  context.logger.warn(
    { jobId: id, err: error, attempt: attemptsStarted(job) },
    'training failed; the queue will retry',
  );
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * When the job's first attempt started: kept in its report across attempts, since BullMQ's
 * processedOn is the latest attempt's. A job without an earlier report starts now.
 */
function firstStart(job: Job<TrainJobData>): string {
  const earlier = trainingReportSchema.safeParse(job.progress);
  const startedAt = earlier.success ? earlier.data.startedAt : undefined;
  return startedAt ?? new Date(job.processedOn ?? Date.now()).toISOString();
}

/**
 * Runs `send` now, or once the call in flight has settled; calls made meanwhile collapse into one.
 * Progress reports every 250 ms then never pile up while Redis is slow or away: one waits, and it
 * sends the report as it is by then.
 */
function latestOnly(send: () => Promise<void>): () => void {
  let inFlight = false;
  let again = false;
  const run = () => {
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    void send().finally(() => {
      inFlight = false;
      if (again) {
        again = false;
        run();
      }
    });
  };
  return run;
}
