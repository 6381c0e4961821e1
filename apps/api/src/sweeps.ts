import { describeTrialProblem, planSweep, summarizeSweep } from '@convoy/core';
import {
  loadTrialRecords,
  type EnqueuedSweep,
  type JobQueues,
  type SweepJobData,
} from '@convoy/queue';
import {
  describeMemoryOverrun,
  estimateTrainingMemory,
  isTerminalState,
  type CreateSweepJobBody,
  type SweepSummary,
} from '@convoy/schemas';
import { HttpError, validationFailed } from './http-error.js';
import type { JobLookup } from './job-lookup.js';
import { stateOf, type FoundJob } from './job-view.js';

const MIB = 2 ** 20;

/**
 * Plans every trial of the sweep and checks each as POST /v1/jobs checks a training job (schema,
 * memory budget) before anything is queued; a 400 names the first bad trial and its values. Then
 * the sweep and its trials go to Redis as one flow, in one transaction.
 */
export async function createSweep(
  body: CreateSweepJobBody,
  options: {
    readonly queues: JobQueues;
    readonly lookup: JobLookup;
    readonly maxJobMemoryMb: number;
  },
): Promise<EnqueuedSweep> {
  const plan = planSweep(body.params);
  if (!plan.ok) {
    const message = describeTrialProblem(plan.problem, plan.trials);
    throw validationFailed(`invalid request body: ${plan.problem.path}: ${message}`, [
      { path: plan.problem.path, message },
    ]);
  }
  for (const trial of plan.trials) {
    const estimate = estimateTrainingMemory(trial.params);
    if (estimate.bytes <= options.maxJobMemoryMb * MIB) continue;
    const overrun = describeMemoryOverrun(trial.params, estimate, options.maxJobMemoryMb);
    const message = describeTrialProblem(
      { ...trial, path: '', message: overrun.message },
      plan.trials.length,
    );
    throw validationFailed(message, [{ path: `params.trials.${trial.trial}`, message }]);
  }
  options.lookup.assertAvailable();
  return options.queues.enqueueSweep(body, plan.trials);
}

/** The sweep's live summary: every trial read from its training job, ranked. */
export async function loadSweepSummary(
  queues: JobQueues,
  data: SweepJobData,
): Promise<SweepSummary> {
  const records = await loadTrialRecords(queues, data.trials);
  return summarizeSweep(records, data.params.metric, data.params.earlyTermination);
}

/**
 * `DELETE /v1/jobs/:id` of a sweep: marks the sweep cancelled (a trial that starts later sees it),
 * removes its waiting trials and asks its running ones to stop at their next batch. The sweep ends
 * `cancelled` once the last running trial has stopped.
 */
export async function cancelSweep(
  found: Extract<FoundJob, { kind: 'queued' }>,
  options: { readonly queues: JobQueues; readonly lookup: JobLookup },
  cancelOne: (found: FoundJob) => Promise<unknown>,
): Promise<void> {
  const state = stateOf(found);
  if (isTerminalState(state))
    throw new HttpError(409, 'JOB_FINISHED', `sweep ${found.id} is already ${state}`);
  await options.queues.cancellation.request(found.id);
  const data = found.job.data as SweepJobData;
  await Promise.all(
    data.trials.map(async ({ id }) => {
      const trial = await options.lookup.find(id);
      if (trial === undefined || trial.kind === 'removed' || isTerminalState(stateOf(trial)))
        return;
      await cancelOne(trial);
    }),
  );
}
