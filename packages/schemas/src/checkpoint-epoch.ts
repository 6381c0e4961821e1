import { z } from 'zod';
import type { CheckpointConfig, TrainingMetric } from './training-params.js';
import type { EpochRecord } from './training-result.js';

/**
 * Which epoch's weights a training job's best model (`model/`) holds, and by which rule. Written
 * into the saved model.json (`userDefinedMetadata.convoy`) beside the weights it describes, so a
 * reader learns the epoch from the same file, atomically.
 */
export const modelCheckpointSchema = z.object({
  epoch: z.int().min(1),
  /** The metric ModelCheckpoint monitored. */
  monitor: z.string(),
  /** Its value at that epoch; null when the epoch had none (a monitor never logged). */
  value: z.number().nullable(),
  /** Whether only improvements were saved (false: every epoch, so the last one). */
  saveBestOnly: z.boolean(),
});
export type ModelCheckpoint = z.infer<typeof modelCheckpointSchema>;

/** Keras's mode 'auto': accuracies improve upwards, losses downwards. */
export const improvesUpwards = (monitor: TrainingMetric | string): boolean =>
  monitor.endsWith('accuracy');

/**
 * The epoch ModelCheckpoint saved last, from the history alone: with saveBestOnly the first epoch
 * whose monitored value beat every earlier one strictly (Keras's rule, as the trainer applies it),
 * else the last epoch. Undefined before any epoch has a value. The weights of `model/` are this
 * epoch's (EarlyStopping's restored weights are the same epoch when both monitor the same metric).
 */
export function checkpointEpochOf(
  history: readonly EpochRecord[],
  checkpoint: Pick<CheckpointConfig, 'monitor' | 'saveBestOnly'>,
): { record: EpochRecord; checkpoint: ModelCheckpoint } | undefined {
  const { monitor, saveBestOnly } = checkpoint;
  let best: EpochRecord | undefined;
  for (const record of history) {
    if (!saveBestOnly) {
      best = record;
      continue;
    }
    const value = record[monitor];
    if (value === undefined) continue;
    const bestValue = best?.[monitor];
    if (
      bestValue === undefined ||
      (improvesUpwards(monitor) ? value > bestValue : value < bestValue)
    )
      best = record;
  }
  if (best === undefined) return undefined;
  return {
    record: best,
    checkpoint: { epoch: best.epoch, monitor, value: best[monitor] ?? null, saveBestOnly },
  };
}
