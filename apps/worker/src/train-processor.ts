import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { CANCELLED_REASON, type JobCancellation, type TrainJobData } from '@convoy/queue';
import { trainingReportSchema, type TrainingReport, type TrainingResult } from '@convoy/schemas';
import type { JobControl } from './job-control.js';
import { TrainingThreadError, type TrainingThreadPool } from './training-thread-pool.js';

export interface TrainProcessorContext {
  readonly threads: TrainingThreadPool;
  readonly control: JobControl;
  readonly cancellation: JobCancellation;
  readonly logger: Logger;
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
  const logger = context.logger.child({ jobId: id });
  const report: TrainingReport = { progress: null, history: [], startedAt: firstStart(job) };
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
    throw await settleFailure(context, job, token, error);
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
    return new UnrecoverableError(`${error.name}: ${error.message}`);
  }
  context.logger.warn(
    { jobId: id, err: error, attempt: job.attemptsStarted },
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
