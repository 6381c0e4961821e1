import { DelayedError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { decideTrialStop } from '@convoy/core';
import type { JobQueues, SweepStore, TrainJobData } from '@convoy/queue';
import type { EpochRecord, TrialOfSweep } from '@convoy/schemas';

/** How long a trial waits for a free slot of its sweep before it asks again (plus up to half more). */
export const SLOT_WAIT_MS = 1_000;

export interface SweepTrialContext {
  readonly sweeps: SweepStore;
  /** To tell a slot holder that has finished (or vanished) from one still running. */
  readonly queues: JobQueues;
  readonly logger: Logger;
}

/**
 * Takes one of the sweep's maxConcurrent slots for the trial. A slot whose holder has finished
 * (a worker killed before it let go, then the job failed on stalls) is freed and tried again. No
 * slot: the trial goes back to the queue, delayed, and the worker takes other work meanwhile.
 */
export async function admitTrial(
  context: SweepTrialContext,
  trial: TrialOfSweep,
  job: Job<TrainJobData>,
  token: string | undefined,
): Promise<void> {
  const { maxConcurrent } = trial;
  const id = job.id ?? '';
  if (maxConcurrent === undefined) return;
  if (await context.sweeps.acquire(trial.id, id, maxConcurrent)) return;
  if (
    (await freeFinishedSlots(context, trial.id)) > 0 &&
    (await context.sweeps.acquire(trial.id, id, maxConcurrent))
  )
    return;
  // Counted, so the job's attempts stay what they were (BullMQ counts this pick as one).
  await job.updateData({ ...job.data, slotWaits: (job.data.slotWaits ?? 0) + 1 });
  await job.moveToDelayed(Date.now() + SLOT_WAIT_MS * (1 + Math.random() / 2), token);
  throw new DelayedError();
}

export async function releaseTrial(context: SweepTrialContext, trial: TrialOfSweep, id: string) {
  if (trial.maxConcurrent === undefined) return;
  await context.sweeps.release(trial.id, id).catch((error: unknown) => {
    context.logger.warn(
      { jobId: id, err: error },
      'could not free the sweep slot; it is freed when found finished',
    );
  });
}

async function freeFinishedSlots(context: SweepTrialContext, sweepId: string): Promise<number> {
  let freed = 0;
  for (const holder of await context.sweeps.holders(sweepId)) {
    const state = await context.queues.train.getJobState(holder);
    if (state === 'completed' || state === 'failed' || state === 'unknown') {
      await context.sweeps.release(sweepId, holder);
      freed += 1;
    }
  }
  return freed;
}

/**
 * After each epoch of a trial under early termination: records the trial's curve of the sweep's
 * metric and applies the rule against the other trials' curves. The reason to stop, or null.
 */
export async function decideTrialEpoch(
  context: SweepTrialContext,
  trial: TrialOfSweep,
  history: readonly EpochRecord[],
): Promise<string | null> {
  const rule = trial.earlyTermination;
  if (rule === false) return null;
  const curve = history.map((record) => record[trial.metric.name] ?? Number.NaN);
  await context.sweeps.recordCurve(trial.id, trial.trial, curve);
  const curves = await context.sweeps.curves(trial.id);
  curves.delete(trial.trial);
  const decision = decideTrialStop(rule, trial.metric.goal, curve, [...curves.values()]);
  return decision.stop ? (decision.reason ?? 'stopped by the sweep') : null;
}
