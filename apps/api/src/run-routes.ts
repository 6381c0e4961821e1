import { jobTypeOf, type JobQueues, type SweepJobData } from '@convoy/queue';
import {
  isTerminalState,
  updateJobBodySchema,
  type CreatedJob,
  type JobDeleted,
} from '@convoy/schemas';
import type { ArtifactStore } from '@convoy/storage';
import type { JobHandler } from './guards.js';
import { HttpError, validationFailed } from './http-error.js';
import type { JobLookup } from './job-lookup.js';
import { jobLinks, stateOf, toJobView, type FoundJob } from './job-view.js';
import { parseRequest } from './validation.js';

/**
 * Run management beside the job routes: editing a job's name, tags and notes, resuming a cancelled
 * or failed job from its checkpoint, deleting a finished job with its artifacts.
 */
export interface RunRoutesOptions {
  readonly queues: JobQueues;
  readonly lookup: JobLookup;
  readonly store: ArtifactStore;
}

/** `PATCH /v1/jobs/:id` `{ name?, tags?, notes? }` → 200 with the job's view. */
export function updateJob(options: RunRoutesOptions): JobHandler {
  return async function updateJobHandler(request, response, found) {
    if (request.body === undefined) {
      throw validationFailed('the request body is empty: send { name?, tags?, notes? }', [
        { path: '', message: 'a JSON object with name, tags or notes is required' },
      ]);
    }
    const body = parseRequest(updateJobBodySchema, request.body, 'body');
    await options.queues.metadata.update(found.id, body);
    const current = await options.lookup.find(found.id);
    response.json(toJobView(current ?? found));
  };
}

/**
 * `POST /v1/jobs/:id/resume`: a cancelled or failed job goes back to the queue under its own id
 * (its page, events and artifacts stay where they are); the worker that takes it resumes from the
 * checkpoint the stopped attempt left (a job cancelled before it started simply starts). 202
 * `{ id, type, state: 'waiting', links }`; 409 JOB_NOT_RESUMABLE for other states.
 */
export function resumeJob(options: RunRoutesOptions): JobHandler {
  return async function resumeJobHandler(_request, response, found) {
    const state = stateOf(found);
    if (found.type === 'sweep') {
      throw new HttpError(
        409,
        'JOB_NOT_RESUMABLE',
        `job ${found.id} is a sweep: resume its cancelled or failed trials one by one`,
      );
    }
    if (state !== 'cancelled' && state !== 'failed') {
      throw new HttpError(
        409,
        'JOB_NOT_RESUMABLE',
        `job ${found.id} is ${state}: only cancelled or failed jobs can be resumed`,
      );
    }
    const { queues } = options;
    // The cancel mark goes first: a worker taking the job must not see it and stop at once.
    await queues.cancellation.withdraw(found.id);
    if (found.kind === 'removed') {
      await queues.requeue(found.id, found.type, found.record.params, found.record.createdAt);
    } else {
      // Retries count afresh: the resumed run may again survive a few transient failures.
      await found.job.retry('failed', { resetAttemptsMade: true });
    }
    response
      .status(202)
      .location(jobLinks(found.id).self)
      .json({
        id: found.id,
        type: found.type,
        state: 'waiting',
        links: jobLinks(found.id),
      } satisfies CreatedJob);
  };
}

/**
 * `DELETE /v1/jobs/:id?purge=true`: a finished job (completed, failed or cancelled) and, for a
 * training run, its visualization jobs are removed — artifacts first (so a store outage leaves
 * the job listed and the delete can be repeated), then the BullMQ jobs, metadata and index
 * entries. 409 JOB_NOT_FINISHED for a waiting or active job: cancel it first.
 */
export function purgeJob(options: RunRoutesOptions): JobHandler {
  return async function purgeJobHandler(_request, response, found) {
    const state = stateOf(found);
    if (!isTerminalState(state)) {
      throw new HttpError(
        409,
        'JOB_NOT_FINISHED',
        `job ${found.id} is ${state}: cancel it first (DELETE /v1/jobs/${found.id}), then delete it once it has stopped`,
      );
    }
    const visualizations =
      found.type === 'train' ? await options.queues.metadata.visualizationsOf(found.id) : [];
    for (const id of visualizations) await removeJob(options, id);
    // A sweep goes with its trials (each with its own visualization jobs).
    const trials =
      found.type === 'sweep' && found.kind === 'queued'
        ? (found.job.data as SweepJobData).trials.map((trial) => trial.id)
        : [];
    for (const id of trials) {
      for (const visualization of await options.queues.metadata.visualizationsOf(id))
        await removeJob(options, visualization);
      await removeJob(options, id);
    }
    await removeJob(options, found.id, found);
    response.json({
      id: found.id,
      deleted: true,
      visualizations: visualizations.length,
      ...(found.type === 'sweep' ? { trials: trials.length } : {}),
    } satisfies JobDeleted);
  };
}

/** Removes everything Convoy keeps of one job; a job still running is asked to stop. */
async function removeJob(options: RunRoutesOptions, id: string, known?: FoundJob): Promise<void> {
  const type = jobTypeOf(id);
  if (type === null) return;
  const { queues } = options;
  const found = known ?? (await options.lookup.find(id));
  await options.store.removeJob(id);
  if (found?.kind === 'queued') {
    try {
      await found.job.remove();
    } catch {
      // Running (a worker holds its lock): stop it; unlisted, it expires with the queue's retention.
      await queues.cancellation.request(id);
    }
  }
  if (found?.kind !== 'queued' || stateOf(found) !== 'active')
    await queues.cancellation.withdraw(id);
  const parent = parentOf(found);
  if (parent !== undefined) await queues.metadata.unlinkVisualization(parent, id);
  await queues.metadata.remove(id);
  await queues.index.remove(id, type);
}

/** The training job a visualization job belongs to. */
function parentOf(found: FoundJob | undefined): string | undefined {
  if (found === undefined || found.type !== 'visualize') return undefined;
  const params = (found.kind === 'removed' ? found.record.params : found.job.data.params) as {
    jobId?: unknown;
  };
  return typeof params.jobId === 'string' ? params.jobId : undefined;
}

/** `DELETE /v1/jobs/:id`: with `purge=true` deletes the job, otherwise cancels it. */
export function deleteOrCancel(purge: JobHandler, cancel: JobHandler): JobHandler {
  return function deleteOrCancelHandler(request, response, found, next) {
    const flag = request.query.purge;
    if (flag !== undefined && flag !== 'true' && flag !== 'false') {
      throw validationFailed('purge is true (delete the job) or false (cancel it)', [
        { path: 'purge', message: 'purge is true or false' },
      ]);
    }
    return flag === 'true'
      ? purge(request, response, found, next)
      : cancel(request, response, found, next);
  };
}
