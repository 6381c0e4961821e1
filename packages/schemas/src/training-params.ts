import { z } from 'zod';
import { modelSpecSchema } from './model-spec.js';

export const TRAINING_METRICS = ['loss', 'accuracy', 'val_loss', 'val_accuracy'] as const;
export const trainingMetricSchema = z.enum(TRAINING_METRICS);

export const optimizerSchema = z.strictObject({
  name: z.enum(['adam', 'sgd', 'rmsprop']).default('adam'),
  learningRate: z.number().gt(0).max(1).default(0.001),
});

export const earlyStoppingSchema = z.strictObject({
  monitor: trainingMetricSchema.default('val_loss'),
  patience: z.int().min(0).max(100).default(2),
  minDelta: z.number().min(0).max(1).default(0),
  restoreBestWeights: z.boolean().default(true),
});

export const checkpointSchema = z.strictObject({
  monitor: trainingMetricSchema.default('val_loss'),
  saveBestOnly: z.boolean().default(true),
});

export const datasetSchema = z.strictObject({
  name: z.literal('fashion-mnist').default('fashion-mnist'),
  /** Images of the 60,000-image training pool to use, class-balanced, before the validation split. */
  limit: z.int().min(100).max(60_000).optional(),
});

/** Training job parameters; every default is the seed notebook's. */
export const trainingParamsSchema = z
  .strictObject({
    model: modelSpecSchema.default({ preset: 'cnn' }),
    epochs: z.int().min(1).max(200).default(10),
    batchSize: z.int().min(1).max(1024).default(32),
    validationSplit: z.number().min(0).max(0.5).default(0.2),
    seed: z
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(42),
    optimizer: optimizerSchema.prefault({}),
    earlyStopping: z
      .union([z.literal(false), earlyStoppingSchema], {
        error: (issue) =>
          typeof issue.input === 'object' && issue.input !== null
            ? undefined
            : 'earlyStopping is false (off) or an object { monitor, patience, minDelta, restoreBestWeights }',
      })
      .prefault({}),
    checkpoint: checkpointSchema.prefault({}),
    dataset: datasetSchema.prefault({}),
  })
  .superRefine((params, context) => {
    const monitors: [string, string][] = [['checkpoint', params.checkpoint.monitor]];
    if (params.earlyStopping) monitors.push(['earlyStopping', params.earlyStopping.monitor]);
    for (const [field, monitor] of monitors) {
      if (params.validationSplit === 0 && monitor.startsWith('val_')) {
        context.addIssue({
          code: 'custom',
          path: [field, 'monitor'],
          message: `${monitor} needs validation data: set validationSplit above 0 or monitor loss/accuracy`,
        });
      }
    }
  });

export type TrainingMetric = z.infer<typeof trainingMetricSchema>;
export type OptimizerConfig = z.infer<typeof optimizerSchema>;
export type EarlyStoppingConfig = z.infer<typeof earlyStoppingSchema>;
export type CheckpointConfig = z.infer<typeof checkpointSchema>;
export type TrainingParams = z.infer<typeof trainingParamsSchema>;
export type TrainingParamsInput = z.input<typeof trainingParamsSchema>;
