import { z } from 'zod';
import {
  sweepParamsSchema,
  sweepTrialRefSchema,
  trainingParamsSchema,
  trialOfSweepSchema,
  visualizationParamsSchema,
  type JobType,
} from '@convoy/schemas';

/** What a BullMQ job carries: its params, parsed on enqueue and again by the worker. */
export const trainJobDataSchema = z.object({
  params: trainingParamsSchema,
  createdBy: z.string().optional(),
  /** A sweep's trial: its sweep, position, and the rules it runs under. */
  sweep: trialOfSweepSchema.optional(),
  /**
   * Times a trial was taken while its sweep had no free slot and went back to wait: BullMQ counts
   * each as an attempt started, which these are not.
   */
  slotWaits: z.int().min(0).optional(),
});

/** Attempts a job really started: BullMQ's count less a trial's waits for a sweep slot. */
export function attemptsStarted(job: {
  readonly attemptsStarted?: number;
  readonly attemptsMade: number;
  readonly data: unknown;
}): number {
  const waits = (job.data as { slotWaits?: unknown } | undefined)?.slotWaits;
  const started = job.attemptsStarted ?? job.attemptsMade;
  return Math.max(0, started - (typeof waits === 'number' ? waits : 0));
}
export const visualizeJobDataSchema = z.object({
  params: visualizationParamsSchema,
  createdBy: z.string().optional(),
});

/** A sweep's own job: the sweep's params and its trials in order (each a training job). */
export const sweepJobDataSchema = z.object({
  params: sweepParamsSchema,
  trials: z.array(sweepTrialRefSchema),
  createdBy: z.string().optional(),
});

export type TrainJobData = z.infer<typeof trainJobDataSchema>;
export type VisualizeJobData = z.infer<typeof visualizeJobDataSchema>;
export type SweepJobData = z.infer<typeof sweepJobDataSchema>;
export interface JobDataByType {
  train: TrainJobData;
  visualize: VisualizeJobData;
  sweep: SweepJobData;
}

export const JOB_DATA_SCHEMAS = {
  train: trainJobDataSchema,
  visualize: visualizeJobDataSchema,
  sweep: sweepJobDataSchema,
} as const satisfies Record<JobType, z.ZodType>;
