import { z } from 'zod';

/**
 * What a training job records beside history.json for the dashboard's charts: per-batch scalars
 * (`scalars.json`) and per-epoch weight distributions (`distributions.json`). Both are rewritten
 * whole after every epoch (and when a stop writes a mid-epoch checkpoint), so a reader always sees
 * a complete file; a resumed job keeps what was recorded up to its checkpoint.
 */
export const TRAINING_RECORDS_VERSION = 1;

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

/**
 * Per-batch loss and accuracy, TensorBoard's `update_freq`: one point every `every` batches (and
 * at the end of every epoch), each the mean over the batches since the previous point. Columns,
 * not rows, to keep the file small: a 10-epoch run of 1,500 batches an epoch is ~1,000 points.
 */
export const batchScalarsSchema = z
  .strictObject({
    version: z.literal(TRAINING_RECORDS_VERSION),
    /** Batches a point averages (the last point of an epoch may cover fewer). */
    every: z.int().min(1),
    /** Batches in one epoch: `step / batchesPerEpoch` is the point's position in epochs. */
    batchesPerEpoch: z.int().min(1),
    /** Batches trained since the start of the run when the point was taken, ascending. */
    step: z.array(z.int().min(1)),
    /** The epoch (1-based) the point belongs to. */
    epoch: z.array(z.int().min(1)),
    /** Mean training loss of the point's batches. */
    loss: z.array(finite),
    /** Training accuracy over the point's batches. */
    accuracy: z.array(z.number().min(0).max(1)),
  })
  .superRefine((scalars, context) => {
    const length = scalars.step.length;
    for (const column of ['epoch', 'loss', 'accuracy'] as const) {
      if (scalars[column].length !== length)
        context.addIssue({ code: 'custom', path: [column], message: `needs ${length} entries` });
    }
    if (scalars.step.some((step, index) => index > 0 && step <= (scalars.step[index - 1] ?? 0)))
      context.addIssue({ code: 'custom', path: ['step'], message: 'steps must ascend' });
  });

/**
 * TensorBoard's distributions view keeps these nine points of each weight tensor: the minimum,
 * the values at −2σ, −1.5σ … of a normal distribution's mass (6.68%, 15.87%, 30.85%), the median,
 * and the mirrored ones up to the maximum. Bands between mirrored pairs draw the distribution.
 */
export const DISTRIBUTION_QUANTILES = [
  0, 0.0668, 0.1587, 0.3085, 0.5, 0.6915, 0.8413, 0.9332, 1,
] as const;

/** One weight tensor of the model whose distribution is recorded. */
export const distributionWeightSchema = z.strictObject({
  /** Position in the model's layer list (the summary's row). */
  layerIndex: z.int().min(0),
  /** Keras name of the layer: `conv2d`, `dense_1`, … */
  layer: z.string().min(1),
  className: z.string().min(1),
  /** Which of the layer's weights: `kernel` or `bias`. */
  weight: z.string().min(1),
  /** Number of values in the tensor. */
  size: z.int().min(1),
});

/**
 * Per-epoch quantiles of every weight tensor: epoch 0 is the untrained model, then one entry per
 * finished epoch (the weights the epoch ended with, before early stopping restores any).
 */
export const weightDistributionsSchema = z
  .strictObject({
    version: z.literal(TRAINING_RECORDS_VERSION),
    /** Ascending fractions in [0, 1]; DISTRIBUTION_QUANTILES when written by Convoy. */
    quantiles: z.array(z.number().min(0).max(1)).min(1).max(101),
    weights: z.array(distributionWeightSchema),
    epochs: z.array(
      z.strictObject({
        epoch: z.int().min(0),
        /** values[w][q]: quantile q of weight tensor w. */
        values: z.array(z.array(finite)),
        /** Mean of each weight tensor. */
        mean: z.array(finite),
      }),
    ),
  })
  .superRefine((record, context) => {
    const { quantiles, weights, epochs } = record;
    if (quantiles.some((q, index) => index > 0 && q <= (quantiles[index - 1] ?? 0)))
      context.addIssue({ code: 'custom', path: ['quantiles'], message: 'must ascend' });
    epochs.forEach((entry, index) => {
      if (index > 0 && entry.epoch <= (epochs[index - 1]?.epoch ?? 0))
        context.addIssue({
          code: 'custom',
          path: ['epochs', index],
          message: 'epochs must ascend',
        });
      if (entry.values.length !== weights.length || entry.mean.length !== weights.length)
        context.addIssue({
          code: 'custom',
          path: ['epochs', index],
          message: `needs one entry per weight (${weights.length})`,
        });
      entry.values.forEach((values, weight) => {
        if (values.length !== quantiles.length)
          context.addIssue({
            code: 'custom',
            path: ['epochs', index, 'values', weight],
            message: `needs ${quantiles.length} quantiles`,
          });
        if (values.some((value, q) => q > 0 && value < (values[q - 1] ?? value)))
          context.addIssue({
            code: 'custom',
            path: ['epochs', index, 'values', weight],
            message: 'quantile values must not decrease',
          });
      });
    });
  });

export type BatchScalars = z.infer<typeof batchScalarsSchema>;
export type DistributionWeight = z.infer<typeof distributionWeightSchema>;
export type WeightDistributions = z.infer<typeof weightDistributionsSchema>;
