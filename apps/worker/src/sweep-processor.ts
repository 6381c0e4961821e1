import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { summarizeSweep } from '@convoy/core';
import {
  CANCELLED_REASON,
  loadTrialRecords,
  type JobCancellation,
  type JobQueues,
  type SweepJobData,
  type SweepStore,
} from '@convoy/queue';
import type { SweepResult } from '@convoy/schemas';

export interface SweepProcessorContext {
  readonly queues: JobQueues;
  readonly sweeps: SweepStore;
  readonly cancellation: JobCancellation;
  readonly logger: Logger;
}

/**
 * A sweep's own job reaches a worker once every trial has finished (BullMQ moves a flow's parent
 * out of waiting-children then): it ranks the trials into the leaderboard, its result, and frees
 * what the trials shared in Redis. A cancelled sweep ends cancelled.
 */
export async function processSweepJob(
  context: SweepProcessorContext,
  job: Job<SweepJobData>,
  data: SweepJobData,
): Promise<SweepResult> {
  const id = job.id ?? '';
  const records = await loadTrialRecords(context.queues, data.trials);
  await context.sweeps.remove(id);
  if (await context.cancellation.isRequested(id)) {
    context.logger.info({ sweepId: id }, 'sweep cancelled');
    throw new UnrecoverableError(CANCELLED_REASON);
  }
  const summary = summarizeSweep(records, data.params.metric, data.params.earlyTermination);
  context.logger.info(
    {
      sweepId: id,
      trials: summary.trials,
      best: summary.best?.id,
      earlyTermination: summary.earlyTermination,
    },
    'sweep completed',
  );
  return { ...summary, seconds: Math.max(0, (Date.now() - job.timestamp) / 1000) };
}
