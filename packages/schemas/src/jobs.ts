import { z } from 'zod';
import { epochRecordSchema, trainingProgressSchema, backendNameSchema } from './training-result.js';
import { trainingParamsSchema } from './training-params.js';
import { sweepParamsSchema } from './sweeps.js';
import {
  jobModelFilterSchema,
  jobSortFieldSchema,
  runMetadataInputShape,
  runTagSchema,
} from './runs.js';

export const JOB_TYPES = ['train', 'visualize', 'sweep'] as const;
export const jobTypeSchema = z.enum(JOB_TYPES);

/**
 * `<type>_<time base36><random hex>`: the type says which queue holds the job, the time part sorts
 * ids by creation, and the alphabet is safe as a directory name under ARTIFACTS_DIR.
 */
export const jobIdSchema = z
  .string()
  .regex(/^(train|visualize|sweep)_[0-9a-z]{8,40}$/, 'not a Convoy job id');

export const JOB_STATES = ['waiting', 'active', 'completed', 'failed', 'cancelled'] as const;
export const jobStateSchema = z.enum(JOB_STATES);

/** States a job never leaves: its view, artifacts and events are final. */
export const TERMINAL_JOB_STATES = ['completed', 'failed', 'cancelled'] as const;
export type TerminalJobState = (typeof TERMINAL_JOB_STATES)[number];
const terminalStates: ReadonlySet<string> = new Set(TERMINAL_JOB_STATES);
export const isTerminalState = (state: string): state is TerminalJobState =>
  terminalStates.has(state);

export const VISUALIZATION_KINDS = [
  'filters',
  'weights-histogram',
  'feature-maps',
  'predictions',
  'confusion-matrix',
  'misclassified',
] as const;
export const visualizationKindSchema = z.enum(VISUALIZATION_KINDS);

/** A 28×28 grayscale PNG, base64 (optionally as a data: URL); 28×28 PNGs are a few hundred bytes. */
export const pngImageSchema = z
  .string()
  .max(64 * 1024, 'image too large: send a 28×28 grayscale PNG')
  .regex(/^(data:image\/png;base64,)?[A-Za-z0-9+/]+={0,2}$/, 'image must be a base64-encoded PNG');

export const visualizationParamsSchema = z
  .strictObject({
    jobId: jobIdSchema.refine((id) => id.startsWith('train_'), 'jobId must name a training job'),
    kind: visualizationKindSchema,
    /** Layer index in the model, or its Keras name (`conv2d_1`); default: every conv layer. */
    layer: z
      .union(
        [
          z.int().min(0).max(63),
          z
            .string()
            .regex(
              /^[a-z][a-z0-9_]{0,63}$/,
              'a layer name is lowercase letters, digits and _ (as conv2d_1)',
            ),
        ],
        {
          error: (issue) =>
            typeof issue.input === 'number' || typeof issue.input === 'string'
              ? undefined
              : 'layer is an index 0–63 or a layer name such as conv2d_1',
        },
      )
      .optional(),
    /** Index of a test-set image (0–9,999). */
    sample: z.int().min(0).max(9_999).optional(),
    image: pngImageSchema.optional(),
    weights: z.enum(['trained', 'untrained']).default('trained'),
  })
  .superRefine((params, context) => {
    if (params.sample !== undefined && params.image !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['image'],
        message: 'give either sample or image, not both',
      });
    }
    const takesInput = params.kind === 'feature-maps' || params.kind === 'predictions';
    if (!takesInput && (params.sample !== undefined || params.image !== undefined)) {
      context.addIssue({
        code: 'custom',
        path: [params.image ? 'image' : 'sample'],
        message: `${params.kind} takes no input image`,
      });
    }
  });

export const createTrainJobBodySchema = z.strictObject({
  type: z.literal('train'),
  params: trainingParamsSchema.prefault({}),
  ...runMetadataInputShape,
});
export const createVisualizeJobBodySchema = z.strictObject({
  type: z.literal('visualize'),
  params: visualizationParamsSchema,
  ...runMetadataInputShape,
});
/** A sweep: many training jobs (its trials) over a search space, as one job. */
export const createSweepJobBodySchema = z.strictObject({
  type: z.literal('sweep'),
  params: sweepParamsSchema,
  ...runMetadataInputShape,
});

/** Says what a body that names no job type should look like. */
function jobBodyProblem(input: unknown): string {
  const shape = '{ "type": "train" | "visualize" | "sweep", "params": { … } }';
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return `the body must be a JSON object: ${shape}`;
  const { type } = input as { type?: unknown };
  if (type === undefined)
    return Object.keys(input).length === 0
      ? `the body is an empty object: send ${shape}`
      : `type is missing: it must be "train", "visualize" or "sweep"`;
  return `type must be "train", "visualize" or "sweep", not ${JSON.stringify(type)}`;
}

export const createJobBodySchema = z.discriminatedUnion(
  'type',
  [createTrainJobBodySchema, createVisualizeJobBodySchema, createSweepJobBodySchema],
  { error: (issue) => jobBodyProblem(issue.input) },
);

/** What a batch may hold: single jobs (a sweep is already many jobs: send it on its own). */
export const createBatchJobBodySchema = z.discriminatedUnion(
  'type',
  [createTrainJobBodySchema, createVisualizeJobBodySchema],
  {
    error: (issue) =>
      (issue.input as { type?: unknown } | undefined)?.type === 'sweep'
        ? 'a batch holds train and visualize jobs; submit a sweep with POST /v1/jobs'
        : jobBodyProblem(issue.input),
  },
);

/** Most jobs one `POST /v1/jobs:batch` request may carry. */
export const MAX_BATCH_JOBS = 1000;

/** Body of `POST /v1/jobs:batch`: jobs queued together, all or none. */
export const createJobsBatchBodySchema = z.strictObject({
  jobs: z
    .array(createBatchJobBodySchema)
    .min(1, 'send at least one job')
    .max(MAX_BATCH_JOBS, `at most ${MAX_BATCH_JOBS} jobs per batch`),
});

/** What a training job reports while it runs (stored as the BullMQ job's progress). */
/**
 * What an active training job is doing before and after its batches: the worker reports each stage
 * as it begins, so a job is never silent between "taken" and its first batch's progress.
 */
export const TRAINING_STAGES = [
  'loading-data',
  'building-model',
  'training',
  'precomputing-visualizations',
] as const;
export const trainingStageSchema = z.enum(TRAINING_STAGES);

export const trainingReportSchema = z.object({
  /** The stage under way (absent in reports of workers from before stages existed). */
  stage: trainingStageSchema.optional(),
  progress: trainingProgressSchema.nullable(),
  history: z.array(epochRecordSchema),
  backend: backendNameSchema.optional(),
  device: z.string().optional(),
  resumedFromEpoch: z.int().min(0).optional(),
  /** When the job's first attempt started (BullMQ's processedOn is the latest attempt's). */
  startedAt: z.iso.datetime().optional(),
});

export const listJobsQuerySchema = z.strictObject({
  type: jobTypeSchema.optional(),
  state: jobStateSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
  /** Text in the job's id, name or tags (case-insensitive). */
  q: z.string().trim().max(100).optional(),
  /** Jobs carrying this tag (exactly, case-insensitive). */
  tag: runTagSchema.optional(),
  /** Training jobs of this preset, or `custom` for layer lists. */
  model: jobModelFilterSchema.optional(),
  /** Order by this column (default createdAt). */
  sort: jobSortFieldSchema.optional(),
  /** Default desc (newest, highest, longest first). */
  order: z.enum(['asc', 'desc']).optional(),
});

/** `GET /v1/jobs/:id/model.tar`: which model of the training job. */
export const modelArchiveQuerySchema = z.strictObject({
  weights: z.enum(['trained', 'untrained']).default('trained'),
});

/** A search (q, tag, model, sort or order given): the list is read, filtered and sorted as a whole. */
export function isJobSearch(query: ListJobsQuery): boolean {
  return (
    query.q !== undefined ||
    query.tag !== undefined ||
    query.model !== undefined ||
    query.sort !== undefined ||
    query.order !== undefined
  );
}

export type JobType = z.infer<typeof jobTypeSchema>;
export type JobId = z.infer<typeof jobIdSchema>;
export type JobState = z.infer<typeof jobStateSchema>;
export type VisualizationKind = z.infer<typeof visualizationKindSchema>;
export type VisualizationParams = z.infer<typeof visualizationParamsSchema>;
export type CreateJobBody = z.infer<typeof createJobBodySchema>;
/** What a caller sends to POST /v1/jobs: CreateJobBody before defaults are filled in. */
export type CreateJobRequest = z.input<typeof createJobBodySchema>;
export type CreateJobsBatchBody = z.infer<typeof createJobsBatchBodySchema>;
export type CreateBatchJobBody = z.infer<typeof createBatchJobBodySchema>;
export type CreateSweepJobBody = z.infer<typeof createSweepJobBodySchema>;
export type CreateJobsBatchRequest = z.input<typeof createJobsBatchBodySchema>;
export type TrainingReport = z.infer<typeof trainingReportSchema>;
export type TrainingStage = z.infer<typeof trainingStageSchema>;
export type ListJobsQuery = z.infer<typeof listJobsQuerySchema>;
