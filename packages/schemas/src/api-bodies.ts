import { z } from 'zod';
import { jobStateSchema, jobTypeSchema, trainingStageSchema } from './jobs.js';
import { backendNameSchema, epochRecordSchema, trainingProgressSchema } from './training-result.js';
import { sweepSummarySchema } from './sweeps.js';

/**
 * Response bodies of the REST API, beside the request bodies and queries (jobs.ts): what the API
 * answers. The API builds them and /openapi.json from them; @convoy/client parses every answer
 * with them; the tests check responses against them.
 */

export const errorDetailSchema = z.object({
  /** Dotted path of the offending field inside the body, query or URL (`params.epochs`). */
  path: z.string(),
  message: z.string(),
});

export const errorBodySchema = z.object({
  error: z.object({
    /** Stable, machine-readable: VALIDATION_FAILED, JOB_NOT_FOUND, UNAUTHORIZED, … */
    code: z.string(),
    message: z.string(),
    details: z.array(errorDetailSchema).optional(),
  }),
});

export const jobLinksSchema = z.object({
  self: z.string(),
  events: z.string(),
  artifacts: z.string(),
});

export const jobErrorSchema = z.object({
  code: z.literal('JOB_FAILED'),
  /** BullMQ's failedReason: the worker's error message. */
  message: z.string(),
});

export const jobViewSchema = z.object({
  id: z.string(),
  type: jobTypeSchema,
  state: jobStateSchema,
  /** A train job's latest progress (`loss`/`accuracy` of the running epoch included); null before its first report and for visualize jobs. */
  progress: trainingProgressSchema.nullable(),
  /** What an active train job is doing (loading data, building the model, training, precomputing visualizations); absent otherwise. */
  stage: trainingStageSchema.optional(),
  /** The parameters the job runs with, defaults filled in. */
  params: z.unknown(),
  /** Finished epochs of a train job (empty for visualize jobs). */
  history: z.array(epochRecordSchema),
  /** The worker's return value once completed (a TrainingResult for train jobs), else null. */
  result: z.unknown(),
  error: jobErrorSchema.nullable(),
  backend: backendNameSchema.nullable(),
  device: z.string().nullable(),
  /** Attempts started (a job is retried after transient failures, resumed from its checkpoint). */
  attempts: z.int().min(0),
  /** DELETE was called and the worker has not stopped yet (or the job was cancelled). */
  cancelRequested: z.boolean(),
  createdAt: z.iso.datetime(),
  /** When the first attempt started (a resumed job keeps it). */
  startedAt: z.iso.datetime().nullable(),
  /** When the latest attempt started, for a job that was resumed or retried; absent otherwise. */
  resumedAt: z.iso.datetime().optional(),
  finishedAt: z.iso.datetime().nullable(),
  /** The run's name, set on submit or with PATCH; null when it has none. */
  name: z.string().nullable().optional(),
  tags: z.array(z.string()).optional(),
  notes: z.string().nullable().optional(),
  /** A train job's visualization jobs (created since run management was added). */
  visualizations: z.int().min(0).optional(),
  /**
   * A sweep's trials, live: counts, percent, best trial and compute saved; the leaderboard (every
   * trial) in `GET /v1/jobs/:id` and SSE, left out of job lists.
   */
  sweep: sweepSummarySchema.partial({ leaderboard: true }).optional(),
  /** A training job that is a trial of a sweep: which sweep, and its 0-based position there. */
  trialOf: z.object({ id: z.string(), trial: z.int().min(0) }).optional(),
  links: jobLinksSchema,
});

export const createdJobSchema = z.object({
  id: z.string(),
  type: jobTypeSchema,
  state: jobStateSchema,
  links: jobLinksSchema,
});

/** Answer of `POST /v1/jobs:batch`: the created jobs, in the order they were sent. */
export const createdJobsSchema = z.object({ jobs: z.array(createdJobSchema) });

export const jobListSchema = z.object({
  items: z.array(jobViewSchema),
  /** Pass as `cursor` for the next (older) page; null when there is none. */
  nextCursor: z.string().nullable(),
  /** For a search or sort (q, tag, model, sort, order): the jobs matching it, across pages. */
  total: z.int().min(0).optional(),
});

/** `DELETE /v1/jobs/:id?purge=true`: the job, its artifacts and its visualization jobs are gone. */
export const jobDeletedSchema = z.object({
  id: z.string(),
  deleted: z.literal(true),
  /** Visualization jobs of the run deleted with it. */
  visualizations: z.int().min(0),
  /** A sweep's trials, deleted with it. */
  trials: z.int().min(0).optional(),
});

/** DELETE of a waiting job: removed from the queue at once. */
export const jobCancelledSchema = z.object({
  id: z.string(),
  state: z.literal('cancelled'),
});

/** DELETE of an active job: the worker stops at its next batch (its checkpoint is kept). */
export const cancelRequestedSchema = z.object({
  id: z.string(),
  state: z.literal('active'),
  cancelRequested: z.literal(true),
});

export const artifactItemSchema = z.object({
  /** Relative to the job, `/`-separated (`model/model.json`). */
  path: z.string(),
  size: z.int().min(0),
  modified: z.iso.datetime(),
  /** Where to download it. */
  url: z.string(),
});

export const artifactListSchema = z.object({ items: z.array(artifactItemSchema) });

export const healthSchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  redis: z.enum(['up', 'down']),
});

/** `data` of the SSE `progress` event. */
export const progressEventSchema = z.object({
  id: z.string(),
  state: jobStateSchema,
  progress: trainingProgressSchema.nullable(),
  /** The stage under way, as in the job view (absent before the worker reports one). */
  stage: trainingStageSchema.optional(),
  /** The compute backend and device, once the worker has reported them (from the job's start). */
  backend: backendNameSchema.optional(),
  device: z.string().optional(),
  /** A sweep's live state: its counts, leaderboard and compute saved (as in the job view). */
  sweep: sweepSummarySchema.optional(),
});

/** `data` of the SSE `epoch` event: one finished epoch, as a history entry. */
export const epochEventSchema = epochRecordSchema.extend({ id: z.string() });

/**
 * The `id:` of a job's events: `<n>`, the number of epochs the stream has sent (an `epoch` event's
 * id is its epoch number), or `<n>.end` on the terminal event. Sent back as `Last-Event-ID` (or
 * `?lastEventId=`), it says where to resume.
 */
export const eventIdSchema = z
  .string()
  .regex(/^(0|[1-9]\d{0,5})(\.end)?$/, 'an event id of this stream: <epochs> or <epochs>.end');

/** Query of `GET /v1/jobs/:id/events`: `lastEventId` for clients that cannot set `Last-Event-ID`. */
export const eventStreamQuerySchema = z.strictObject({ lastEventId: eventIdSchema.optional() });

export type JobLinks = z.infer<typeof jobLinksSchema>;
export type JobView = z.infer<typeof jobViewSchema>;
export type CreatedJob = z.infer<typeof createdJobSchema>;
export type CreatedJobs = z.infer<typeof createdJobsSchema>;
export type JobList = z.infer<typeof jobListSchema>;
export type ArtifactItem = z.infer<typeof artifactItemSchema>;
export type ProgressEvent = z.infer<typeof progressEventSchema>;
export type EpochEvent = z.infer<typeof epochEventSchema>;
export type ApiErrorBody = z.infer<typeof errorBodySchema>;
export type ApiErrorDetail = z.infer<typeof errorDetailSchema>;
export type JobDeleted = z.infer<typeof jobDeletedSchema>;
export type JobCancelled = z.infer<typeof jobCancelledSchema>;
export type CancelRequested = z.infer<typeof cancelRequestedSchema>;
export type ArtifactList = z.infer<typeof artifactListSchema>;
export type Health = z.infer<typeof healthSchema>;
