import { z } from 'zod';

export const BACKEND_NAMES = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export const backendNameSchema = z.enum(BACKEND_NAMES);

/** One line of the Keras-style summary table. */
export const summaryLayerSchema = z.object({
  name: z.string(),
  className: z.string(),
  outputShape: z.array(z.int().nullable()),
  params: z.int().min(0),
});

export const modelSummarySchema = z.object({
  modelName: z.string(),
  layers: z.array(summaryLayerSchema),
  totalParams: z.int(),
  trainableParams: z.int(),
  nonTrainableParams: z.int(),
});

export const epochRecordSchema = z.object({
  epoch: z.int().min(1),
  loss: z.number(),
  accuracy: z.number(),
  val_loss: z.number().optional(),
  val_accuracy: z.number().optional(),
  seconds: z.number(),
});

export const trainingProgressSchema = z.object({
  epoch: z.int(),
  epochs: z.int(),
  batch: z.int(),
  batches: z.int(),
  percent: z.number().min(0).max(100),
  loss: z.number().optional(),
  accuracy: z.number().optional(),
  /** Training images per second of this attempt's steps so far (validation excluded). */
  imagesPerSecond: z.number().min(0).optional(),
  /** Seconds left at this attempt's pace so far (steps, validation and checkpoints included). */
  etaSeconds: z.number().min(0).optional(),
});

export const trainingResultSchema = z.object({
  backend: backendNameSchema,
  device: z.string(),
  epochsRun: z.int(),
  stoppedEarly: z.boolean(),
  bestEpoch: z.int().nullable(),
  best: z.object({ monitor: z.string(), value: z.number() }).nullable(),
  restoredBestWeights: z.boolean(),
  history: z.array(epochRecordSchema),
  trainImages: z.int(),
  validationImages: z.int(),
  imagesPerSecond: z.number(),
  /** Threads the training steps ran on (data-parallel on wasm; 1 elsewhere). */
  threads: z.int().positive().optional(),
  seconds: z.number(),
  /** The last finished epoch a resumed job started from (absent when it ran in one go). */
  resumedFromEpoch: z.int().min(0).optional(),
  /** A sweep trial its sweep's early-termination rule stopped after `epoch`, and why. */
  pruned: z.object({ epoch: z.int().min(1), reason: z.string() }).optional(),
});

export type BackendName = z.infer<typeof backendNameSchema>;
export type SummaryLayer = z.infer<typeof summaryLayerSchema>;
export type ModelSummary = z.infer<typeof modelSummarySchema>;
export type EpochRecord = z.infer<typeof epochRecordSchema>;
export type TrainingProgress = z.infer<typeof trainingProgressSchema>;
export type TrainingResult = z.infer<typeof trainingResultSchema>;
