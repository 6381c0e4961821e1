import {
  isTerminalState,
  trainingReportSchema,
  trainingResultSchema,
  type JobState,
  type JobType,
  type JobLinks,
  type JobView,
  type RunMetadata,
  type SweepSummary,
  type TrainingReport,
} from '@convoy/schemas';
import {
  attemptsStarted,
  convoyStateOf,
  type AnyJob,
  type RemovedJobRecord,
  type TrainJobData,
} from '@convoy/queue';

export { convoyStateOf };

/** What `job.getState()` answers. */
export type BullJobState = Awaited<ReturnType<AnyJob['getState']>>;

/** A job as the API knows it: a BullMQ job in some state, or the record of one removed on cancel. */
export type FoundJob =
  | {
      readonly kind: 'queued';
      readonly id: string;
      readonly type: JobType;
      readonly job: AnyJob;
      readonly bullState: BullJobState;
      readonly cancelRequested: boolean;
      readonly run?: RunInfo | undefined;
      /** A sweep's trials, read when the sweep was. */
      readonly sweep?: SweepSummary | undefined;
    }
  | {
      readonly kind: 'removed';
      readonly id: string;
      readonly type: JobType;
      readonly record: RemovedJobRecord;
      readonly run?: RunInfo | undefined;
    };

/** A job's run metadata (name, tags, notes) and, for a train job, its visualization count. */
export interface RunInfo extends RunMetadata {
  readonly visualizations: number | undefined;
}

/** The view's run fields: always name, tags and notes; visualizations for train jobs. */
function runFields(
  run: RunInfo | undefined,
): Pick<JobView, 'name' | 'tags' | 'notes' | 'visualizations'> {
  return {
    name: run?.name ?? null,
    tags: [...(run?.tags ?? [])],
    notes: run?.notes ?? null,
    ...(run?.visualizations === undefined ? {} : { visualizations: run.visualizations }),
  };
}

export function jobLinks(id: string): JobLinks {
  const self = `/v1/jobs/${id}`;
  return { self, events: `${self}/events`, artifacts: `${self}/artifacts` };
}

export function stateOf(found: FoundJob): JobState {
  if (found.kind === 'removed') return 'cancelled';
  const state = convoyStateOf(found.bullState, found.job.failedReason);
  // A sweep waits (BullMQ's waiting-children) while its trials run: it is active once one started.
  if (state === 'waiting' && found.sweep !== undefined) {
    const { total, waiting } = found.sweep.trials;
    if (waiting < total) return 'active';
  }
  return state;
}

/** A training job's sweep, when it is a trial of one. */
function trialOfFields(found: Extract<FoundJob, { kind: 'queued' }>): Pick<JobView, 'trialOf'> {
  if (found.type !== 'train') return {};
  const sweep = (found.job.data as TrainJobData).sweep;
  return sweep === undefined ? {} : { trialOf: { id: sweep.id, trial: sweep.trial } };
}

/** A job as a list shows it: a sweep without its leaderboard (GET /v1/jobs/:id has it). */
export function toListView(view: JobView): JobView {
  if (view.sweep?.leaderboard === undefined) return view;
  const sweep = { ...view.sweep };
  delete sweep.leaderboard;
  return { ...view, sweep };
}

/** The training report a train job stores as its BullMQ progress, or null (none yet, or a visualize job). */
export function reportOf(job: AnyJob): TrainingReport | null {
  const parsed = trainingReportSchema.safeParse(job.progress);
  return parsed.success ? parsed.data : null;
}

/** `GET /v1/jobs/:id`. */
export function toJobView(found: FoundJob): JobView {
  if (found.kind === 'removed') {
    const { record } = found;
    return {
      id: found.id,
      type: found.type,
      state: 'cancelled',
      progress: null,
      params: record.params,
      history: [],
      result: null,
      error: null,
      backend: null,
      device: null,
      attempts: 0,
      cancelRequested: true,
      createdAt: isoTime(record.createdAt),
      startedAt: null,
      finishedAt: isoTime(record.cancelledAt),
      ...runFields(found.run),
      links: jobLinks(found.id),
    };
  }
  const { job } = found;
  const state = stateOf(found);
  const report = found.type === 'train' ? reportOf(job) : null;
  const trainingResult =
    found.type === 'train' && state === 'completed'
      ? trainingResultSchema.safeParse(job.returnvalue)
      : undefined;
  const result = state === 'completed' ? (job.returnvalue ?? null) : null;
  const history = report?.history ?? (trainingResult?.success ? trainingResult.data.history : []);
  return {
    id: found.id,
    type: found.type,
    state,
    progress: report?.progress ?? null,
    ...(state === 'active' && report?.stage !== undefined ? { stage: report.stage } : {}),
    params: job.data.params,
    history,
    result,
    error:
      state === 'failed' ? { code: 'JOB_FAILED', message: job.failedReason || 'failed' } : null,
    backend: (trainingResult?.success ? trainingResult.data.backend : report?.backend) ?? null,
    device: (trainingResult?.success ? trainingResult.data.device : report?.device) ?? null,
    attempts: attemptsStarted(job),
    cancelRequested: found.cancelRequested,
    createdAt: isoTime(job.timestamp),
    ...(found.sweep === undefined ? startTimes(job, report) : { startedAt: found.sweep.startedAt }),
    finishedAt: job.finishedOn && isTerminalState(state) ? isoTime(job.finishedOn) : null,
    ...runFields(found.run),
    ...(found.sweep === undefined ? {} : { sweep: found.sweep }),
    ...trialOfFields(found),
    links: jobLinks(found.id),
  };
}

/**
 * When the job first started, and when its latest attempt did if that was a later one. BullMQ's
 * processedOn is the latest attempt's start; a training job's report keeps the first.
 */
function startTimes(
  job: AnyJob,
  report: TrainingReport | null,
): Pick<JobView, 'startedAt' | 'resumedAt'> {
  const latest = job.processedOn ? isoTime(job.processedOn) : null;
  const first = report?.startedAt ?? latest;
  return first !== null && latest !== null && latest > first
    ? { startedAt: first, resumedAt: latest }
    : { startedAt: first };
}

function isoTime(milliseconds: number): string {
  return new Date(milliseconds).toISOString();
}
