import { z } from 'zod';
import { epochRecordSchema, type EpochRecord } from './training-result.js';
import {
  trainingMetricSchema,
  trainingParamsSchema,
  type TrainingMetric,
} from './training-params.js';

/**
 * Sweeps: many training runs of one search space as one job (`"type": "sweep"`). The sweep's params
 * are a base set of training params, the dimensions to vary (by param path), how to search them, the
 * metric that ranks the trials, and an optional rule that stops hopeless trials early.
 */

/** Most trials one sweep may hold (a grid's product, or a random search's `trials`). */
export const MAX_SWEEP_TRIALS = 1000;
export const MAX_SWEEP_DIMENSIONS = 16;

/** `optimizer.learningRate`, `model.layers[1].filters`, `batchSize`: where in the params a value goes. */
export const sweepParamPathSchema = z
  .string()
  .max(200)
  .regex(
    /^[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*|\[\d{1,3}\])*$/,
    'a param path is dotted names and [index] steps, as optimizer.learningRate or model.layers[1].filters',
  );

export const sweepValueSchema = z.union([z.number(), z.string().max(100), z.boolean()], {
  error: 'a value is a number, a string or a boolean',
});

const valuesDimensionSchema = z.strictObject({
  values: z
    .array(sweepValueSchema)
    .min(1, 'give at least one value')
    .max(MAX_SWEEP_TRIALS, `at most ${MAX_SWEEP_TRIALS} values`),
});

export const SWEEP_DISTRIBUTIONS = ['uniform', 'log_uniform', 'int_uniform'] as const;

const rangeDimensionSchema = z
  .strictObject({
    distribution: z.enum(SWEEP_DISTRIBUTIONS),
    min: z.number(),
    max: z.number(),
  })
  .superRefine((range, context) => {
    if (range.min > range.max)
      context.addIssue({ code: 'custom', path: ['max'], message: 'max must be at least min' });
    if (range.distribution === 'log_uniform' && range.min <= 0)
      context.addIssue({
        code: 'custom',
        path: ['min'],
        message: 'a log_uniform range must be above 0',
      });
    if (
      range.distribution === 'int_uniform' &&
      !(Number.isInteger(range.min) && Number.isInteger(range.max))
    )
      context.addIssue({
        code: 'custom',
        path: ['min'],
        message: 'an int_uniform range has integer bounds',
      });
  });

/**
 * One dimension of the search space: a list of values (also as a bare array), or a numeric range to
 * sample from (random search only).
 */
export const sweepDimensionSchema = z.union(
  [
    z
      .array(sweepValueSchema)
      .min(1, 'give at least one value')
      .max(MAX_SWEEP_TRIALS)
      .transform((values) => ({ values })),
    valuesDimensionSchema,
    rangeDimensionSchema,
  ],
  {
    error: (issue) =>
      typeof issue.input === 'object' && issue.input !== null && !Array.isArray(issue.input)
        ? undefined
        : 'a dimension is a list of values, { "values": [...] } or { "distribution": "uniform" | "log_uniform" | "int_uniform", "min", "max" }',
  },
);

export const sweepGoalSchema = z.enum(['minimize', 'maximize']);

/** The metric that ranks trials; its goal defaults to minimize for losses, maximize for accuracies. */
export const sweepMetricSchema = z
  .strictObject({
    name: trainingMetricSchema.default('val_loss'),
    goal: sweepGoalSchema.optional(),
  })
  .transform(({ name, goal }) => ({ name, goal: goal ?? defaultGoalOf(name) }));

export function defaultGoalOf(metric: TrainingMetric): SweepGoal {
  return metric.endsWith('loss') ? 'minimize' : 'maximize';
}

/**
 * Median stopping (Google Vizier): after `graceEpochs`, a trial whose best value so far is worse
 * than the median of the other trials' running averages at the same epoch stops, once at least
 * `minTrials` others have reached that epoch.
 */
export const medianStoppingSchema = z.strictObject({
  type: z.literal('median'),
  graceEpochs: z.int().min(1).max(200).default(1),
  minTrials: z.int().min(1).max(MAX_SWEEP_TRIALS).default(3),
});

/**
 * Asynchronous successive halving (ASHA): at rung epochs minEpochs·η^k a trial goes on only if its
 * best value so far is in the top 1/η of the values recorded at that rung.
 */
export const ashaSchema = z.strictObject({
  type: z.literal('asha'),
  minEpochs: z.int().min(1).max(200).default(1),
  reductionFactor: z.int().min(2).max(10).default(3),
});

export const earlyTerminationSchema = z.union(
  [z.literal(false), z.discriminatedUnion('type', [medianStoppingSchema, ashaSchema])],
  {
    error: (issue) =>
      typeof issue.input === 'object' && issue.input !== null
        ? undefined
        : 'earlyTermination is false or { "type": "median" | "asha", … }',
  },
);

export const SWEEP_METHODS = ['grid', 'random'] as const;

/** `params` of a sweep job. */
export const sweepParamsSchema = z
  .strictObject({
    /** Training params every trial starts from (the notebook's defaults where left out). */
    base: trainingParamsSchema.prefault({}),
    method: z.enum(SWEEP_METHODS).default('grid'),
    /** The search space: param path → values or range. */
    parameters: z
      .record(sweepParamPathSchema, sweepDimensionSchema, {
        error: (issue) =>
          issue.code === 'invalid_key'
            ? `"${String(issue.path?.at(-1) ?? '')}" is not a param path: dotted names and [index] steps, as optimizer.learningRate or model.layers[1].filters`
            : undefined,
      })
      .refine((space) => Object.keys(space).length >= 1, 'give at least one dimension to sweep')
      .refine(
        (space) => Object.keys(space).length <= MAX_SWEEP_DIMENSIONS,
        `at most ${MAX_SWEEP_DIMENSIONS} dimensions`,
      ),
    /** Random search: how many trials to sample. */
    trials: z.int().min(1).max(MAX_SWEEP_TRIALS).optional(),
    /** Seed of the random search's sampler: the same seed draws the same trials. */
    seed: z
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(0),
    metric: sweepMetricSchema.prefault({}),
    /** Most trials running at once (default: as many as workers take). */
    maxConcurrent: z.int().min(1).max(MAX_SWEEP_TRIALS).optional(),
    earlyTermination: earlyTerminationSchema.default(false),
  })
  .superRefine((sweep, context) => {
    if (sweep.method === 'grid') {
      if (sweep.trials !== undefined)
        context.addIssue({
          code: 'custom',
          path: ['trials'],
          message: 'trials is for random search; a grid runs every combination',
        });
      for (const [path, dimension] of Object.entries(sweep.parameters)) {
        if (!('values' in dimension))
          context.addIssue({
            code: 'custom',
            path: ['parameters', path],
            message: `grid search needs a list of values for ${path} (a ${dimension.distribution} range is for random search)`,
          });
      }
    }
    const count = countSweepTrials(sweep);
    if (count > MAX_SWEEP_TRIALS)
      context.addIssue({
        code: 'custom',
        path: ['parameters'],
        message: `the grid has ${describeGrid(sweep.parameters)} = ${count.toLocaleString('en-US')} trials; at most ${MAX_SWEEP_TRIALS} per sweep`,
      });
    if (sweep.base.validationSplit === 0 && sweep.metric.name.startsWith('val_'))
      context.addIssue({
        code: 'custom',
        path: ['metric', 'name'],
        message: `${sweep.metric.name} needs validation data: set base.validationSplit above 0 or rank by loss/accuracy`,
      });
  });

/** How many trials a sweep runs: the grid's product, or the random search's `trials` (default 10). */
export function countSweepTrials(
  sweep: Pick<SweepParams, 'method' | 'parameters' | 'trials'>,
): number {
  if (sweep.method === 'random') return sweep.trials ?? DEFAULT_RANDOM_TRIALS;
  return Object.values(sweep.parameters).reduce(
    (product, dimension) => product * ('values' in dimension ? dimension.values.length : 1),
    1,
  );
}

export const DEFAULT_RANDOM_TRIALS = 10;

function describeGrid(space: SweepParams['parameters']): string {
  return Object.values(space)
    .map((dimension) => ('values' in dimension ? dimension.values.length : 1))
    .join(' × ');
}

/** The values one trial takes, by param path. */
export const sweepAssignmentSchema = z.record(z.string(), sweepValueSchema);

/** What a sweep's BullMQ job carries beside its params: its trials, in order. */
export const sweepTrialRefSchema = z.object({
  id: z.string(),
  assignment: sweepAssignmentSchema,
});

/** What a trial's training job carries about its sweep: enough to take part without asking. */
export const trialOfSweepSchema = z.object({
  id: z.string(),
  /** 0-based position in the sweep. */
  trial: z.int().min(0),
  metric: z.object({ name: trainingMetricSchema, goal: sweepGoalSchema }),
  maxConcurrent: z.int().min(1).optional(),
  earlyTermination: earlyTerminationSchema,
});

export const SWEEP_TRIAL_STATES = [
  'waiting',
  'active',
  'completed',
  'pruned',
  'failed',
  'cancelled',
] as const;
export const sweepTrialStateSchema = z.enum(SWEEP_TRIAL_STATES);

/** One row of a sweep's leaderboard. */
export const leaderboardEntrySchema = z.object({
  /** 1 = best; null for a trial without a value yet (or one that failed). */
  rank: z.int().min(1).nullable(),
  /** 0-based position in the sweep. */
  trial: z.int().min(0),
  id: z.string(),
  /** `pruned`: completed, stopped early by the sweep's early-termination rule. */
  state: sweepTrialStateSchema,
  assignment: sweepAssignmentSchema,
  /** The trial's best value of the sweep's metric so far, and the epoch it came from. */
  value: z.number().nullable(),
  bestEpoch: z.int().min(1).nullable(),
  epochsRun: z.int().min(0),
  /** Epochs the trial's params ask for. */
  epochs: z.int().min(1),
  /** Training seconds (every attempt counted). */
  seconds: z.number().min(0),
  /** The latest epoch's record, for a table of what every trial is doing. */
  latest: epochRecordSchema.nullable(),
  /** The error of a failed trial. */
  error: z.string().optional(),
});

export const sweepTrialCountsSchema = z.object({
  total: z.int().min(0),
  waiting: z.int().min(0),
  active: z.int().min(0),
  completed: z.int().min(0),
  pruned: z.int().min(0),
  failed: z.int().min(0),
  cancelled: z.int().min(0),
});

/** The compute early termination saved against running every stopped trial to its last epoch. */
export const computeSavedSchema = z.object({
  rule: z.enum(['median', 'asha']),
  prunedTrials: z.int().min(0),
  /** Epochs every trial ran, and would have run without the rule. */
  epochsRun: z.int().min(0),
  epochsWithoutRule: z.int().min(0),
  epochsSaved: z.int().min(0),
  /** epochsSaved / epochsWithoutRule. */
  fractionSaved: z.number().min(0).max(1),
  /** The saved epochs at each pruned trial's own pace. */
  secondsSaved: z.number().min(0),
});

/** A sweep's state as the API reports it (live) and as its job's result (final). */
export const sweepSummarySchema = z.object({
  trials: sweepTrialCountsSchema,
  /** Epochs run over epochs planned, every trial (a pruned trial's planned epochs are its run ones). */
  percent: z.number().min(0).max(100),
  metric: z.object({ name: trainingMetricSchema, goal: sweepGoalSchema }),
  /** When its first trial started; null before any has. */
  startedAt: z.iso.datetime().nullable(),
  /** Best first; trials without a value last, in trial order. */
  leaderboard: z.array(leaderboardEntrySchema),
  best: leaderboardEntrySchema.nullable(),
  earlyTermination: computeSavedSchema.nullable(),
});

/** The result a completed sweep job returns. */
export const sweepResultSchema = sweepSummarySchema.extend({
  /** Wall seconds from the sweep's creation to its last trial's end. */
  seconds: z.number().min(0),
});

export type SweepParams = z.infer<typeof sweepParamsSchema>;
export type SweepParamsInput = z.input<typeof sweepParamsSchema>;
export type SweepDimension = z.infer<typeof sweepDimensionSchema>;
export type SweepValue = z.infer<typeof sweepValueSchema>;
export type SweepGoal = z.infer<typeof sweepGoalSchema>;
export type SweepMetric = z.infer<typeof sweepMetricSchema>;
export type SweepAssignment = z.infer<typeof sweepAssignmentSchema>;
export type SweepTrialRef = z.infer<typeof sweepTrialRefSchema>;
export type TrialOfSweep = z.infer<typeof trialOfSweepSchema>;
export type EarlyTermination = z.infer<typeof earlyTerminationSchema>;
export type SweepTrialState = z.infer<typeof sweepTrialStateSchema>;
export type LeaderboardEntry = z.infer<typeof leaderboardEntrySchema>;
export type SweepTrialCounts = z.infer<typeof sweepTrialCountsSchema>;
export type ComputeSaved = z.infer<typeof computeSavedSchema>;
export type SweepSummary = z.infer<typeof sweepSummarySchema>;
export type SweepResult = z.infer<typeof sweepResultSchema>;

/** What the leaderboard needs to know of one trial, wherever it stands. */
export interface TrialRecord {
  readonly trial: number;
  readonly id: string;
  readonly assignment: SweepAssignment;
  readonly state: SweepTrialState;
  readonly history: readonly EpochRecord[];
  /** Epochs its params ask for. */
  readonly epochs: number;
  /** Training seconds so far (every attempt). */
  readonly seconds: number;
  /** When the trial first started (ms since the epoch); undefined before it has. */
  readonly startedAt?: number | undefined;
  readonly error?: string | undefined;
}
