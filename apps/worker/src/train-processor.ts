import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { CANCELLED_REASON, type JobCancellation, type TrainJobData } from '@convoy/queue';
import {
  describeMemoryOverrun,
  estimateTrainingMemory,
  type TrainingParams,
  type TrainingReport,
  type TrainingResult,
} from '@convoy/schemas';
import type { JobControl } from './job-control.js';
import { TrainingThreadError, type TrainingThreadPool } from './training-thread-pool.js';

export interface TrainProcessorContext {
  readonly threads: TrainingThreadPool;
  readonly control: JobControl;
  readonly cancellation: JobCancellation;
  readonly logger: Logger;
  /** MAX_JOB_MEMORY_MB: the bound a job's memory estimate must fit, as at the API. */
  readonly maxJobMemoryMb: number;
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
  if (await context.cancellation.isRequested(id)) throw new UnrecoverableError(CANCELLED_REASON);
  checkMemoryBudget(data.params, context.maxJobMemoryMb);
  const logger = context.logger.child({ jobId: id });
  const report: TrainingReport = { progress: null, history: [] };
  const publish = () => job.updateProgress({ ...report, history: [...report.history] });
  const publishLater = () => {
    // Best effort: a lost progress update is superseded by the next one.
    publish().catch((error: unknown) => logger.warn({ err: error }, 'progress update failed'));
  };
  const signal = context.control.begin(id);
  const run = context.threads.run(id, data.params, {
    onStart(resumedFromEpoch, history) {
      report.history = [...history];
      if (resumedFromEpoch > 0 || job.attemptsStarted > 1)
        report.resumedFromEpoch = resumedFromEpoch;
      logger.info({ resumedFromEpoch, attempt: job.attemptsStarted }, 'training started');
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
    },
  });
  const onStop = () => run.stop(context.control.reasonOf(id) ?? 'cancel');
  signal.addEventListener('abort', onStop, { once: true });
  try {
    const result = await run.result;
    report.backend = result.backend;
    report.device = result.device;
    await publish();
    logger.info(
      { bestEpoch: result.bestEpoch, best: result.best, imagesPerSecond: result.imagesPerSecond },
      'training completed',
    );
    return result;
  } catch (error) {
    throw await settleFailure(context, job, token, error, data.params);
  } finally {
    signal.removeEventListener('abort', onStop);
    context.control.end(id);
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
    if (context.control.reasonOf(id) === 'shutdown') {
      // The thread wrote a mid-epoch checkpoint; hand the job back so any worker resumes it.
      await job.moveToWait(token);
      context.logger.info({ jobId: id }, 'training handed back to the queue for shutdown');
      return new WaitingError();
    }
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
    { jobId: id, err: error, attempt: job.attemptsStarted },
    'training failed; the queue will retry',
  );
  return error instanceof Error ? error : new Error(String(error));
}
