import { PermanentError } from '@convoy/schemas';

/** Why a visualization request cannot be served; every one is the caller's to fix (a 4xx). */
export type VisualizationInputErrorCode =
  | 'unknown-layer'
  | 'layer-out-of-range'
  | 'wrong-layer-type'
  | 'no-conv-layer'
  | 'invalid-image'
  | 'sample-out-of-range';

/**
 * A visualization request that does not fit the model or its data: a layer that does not exist or
 * has the wrong type, a bad input image, a test-set index out of range. Retrying will not help.
 */
export class VisualizationInputError extends PermanentError {
  override readonly name = 'VisualizationInputError';
  constructor(
    readonly code: VisualizationInputErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
