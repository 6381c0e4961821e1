import {
  trainingReportSchema,
  trainingResultSchema,
  type EpochRecord,
  type SweepTrialRef,
  type SweepTrialState,
  type TrialRecord,
} from '@convoy/schemas';
import { convoyStateOf } from './cancellation.js';
import type { Queue } from 'bullmq';
import type { JobCancellation } from './cancellation.js';
import type { TrainJobData } from './job-data.js';

/** Where trials are read from: the training queue, and the records of trials removed on cancel. */
export interface TrialSource {
  readonly train: Pick<Queue<TrainJobData>, 'getJobState' | 'getJob'>;
  readonly cancellation: Pick<JobCancellation, 'findRemoved'>;
}

/**
 * Where each of a sweep's trials stands, read from its training job (every trial at once): what
 * the leaderboard is built from, live at the API and final in the sweep's own job.
 */
export async function loadTrialRecords(
  queues: TrialSource,
  trials: readonly SweepTrialRef[],
): Promise<TrialRecord[]> {
  return Promise.all(trials.map((ref, trial) => loadTrialRecord(queues, ref, trial)));
}

async function loadTrialRecord(
  queues: TrialSource,
  ref: SweepTrialRef,
  trial: number,
): Promise<TrialRecord> {
  // State first: read the other way round, a trial finishing in between would look unfinished.
  const bullState = await queues.train.getJobState(ref.id);
  const job = bullState === 'unknown' ? undefined : await queues.train.getJob(ref.id);
  const base = { trial, id: ref.id, assignment: ref.assignment };
  if (job === undefined) {
    // Removed: cancelled while it waited (or expired).
    const removed = await queues.cancellation.findRemoved(ref.id);
    const epochs = (removed?.params as { epochs?: number } | undefined)?.epochs ?? 1;
    return { ...base, state: 'cancelled', history: [], epochs, seconds: 0 };
  }
  const result =
    bullState === 'completed' ? trainingResultSchema.safeParse(job.returnvalue).data : undefined;
  const report = trainingReportSchema.safeParse(job.progress).data;
  const history: readonly EpochRecord[] = result?.history ?? report?.history ?? [];
  const state = trialStateOf(bullState, job.failedReason, result?.pruned !== undefined);
  return {
    ...base,
    state,
    history,
    epochs: job.data.params.epochs,
    seconds: result?.seconds ?? history.reduce((sum, record) => sum + record.seconds, 0),
    // A trial taken while its sweep had no free slot has a processedOn but did not start.
    startedAt: firstStartOf(report?.startedAt, state === 'waiting' ? undefined : job.processedOn),
    ...(state === 'failed' ? { error: job.failedReason || 'failed' } : {}),
  };
}

/** A trial's first start: its report keeps it across attempts; BullMQ's processedOn is the latest's. */
function firstStartOf(
  reported: string | undefined,
  processedOn: number | undefined,
): number | undefined {
  if (reported !== undefined) return Date.parse(reported);
  return processedOn || undefined;
}

/** A trial's state: the job's, with a completed trial its sweep's rule stopped told apart. */
function trialStateOf(
  bullState: string,
  failedReason: string | undefined,
  pruned: boolean,
): SweepTrialState {
  const state = convoyStateOf(bullState, failedReason);
  return state === 'completed' && pruned ? 'pruned' : state;
}
