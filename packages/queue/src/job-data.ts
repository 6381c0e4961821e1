import { z } from 'zod';
import { trainingParamsSchema, visualizationParamsSchema, type JobType } from '@convoy/schemas';

/** What a BullMQ job carries: its params, parsed on enqueue and again by the worker. */
export const trainJobDataSchema = z.object({
  params: trainingParamsSchema,
  createdBy: z.string().optional(),
});
export const visualizeJobDataSchema = z.object({
  params: visualizationParamsSchema,
  createdBy: z.string().optional(),
});

export type TrainJobData = z.infer<typeof trainJobDataSchema>;
export type VisualizeJobData = z.infer<typeof visualizeJobDataSchema>;
export interface JobDataByType {
  train: TrainJobData;
  visualize: VisualizeJobData;
}

export const JOB_DATA_SCHEMAS = {
  train: trainJobDataSchema,
  visualize: visualizeJobDataSchema,
} as const satisfies Record<JobType, z.ZodType>;
