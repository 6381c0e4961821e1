import { modelCheckpointSchema, type ModelCheckpoint } from '@convoy/schemas';

/**
 * The epoch a saved model.json says its weights are: the trainer writes it into the tfjs layers
 * format's `userDefinedMetadata.convoy` field, in the same file as the weights manifest, so the
 * epoch always belongs to the weights beside it. Undefined for a model.json that says none (the
 * untrained model, or one saved before the field existed) or that does not parse.
 */
export function modelCheckpointOf(modelJson: string | Uint8Array): ModelCheckpoint | undefined {
  try {
    const text =
      typeof modelJson === 'string' ? modelJson : Buffer.from(modelJson).toString('utf8');
    const parsed = JSON.parse(text) as { userDefinedMetadata?: { convoy?: unknown } } | null;
    const result = modelCheckpointSchema.safeParse(parsed?.userDefinedMetadata?.convoy);
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}
