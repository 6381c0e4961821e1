import { PermanentError } from '@convoy/schemas';

/** Training produced a NaN or infinite loss: the data or the learning rate is bad, and retrying will not help. */
export class NonFiniteLossError extends PermanentError {
  override readonly name = 'NonFiniteLossError';
  constructor(
    readonly epoch: number,
    readonly batch: number,
    readonly loss: number,
  ) {
    super(
      `loss became ${loss} at epoch ${epoch}, batch ${batch}: check the input data and the learning rate`,
    );
  }
}

/** Input that cannot be trained on (wrong shape, out-of-range pixels or labels, NaN). */
export class InvalidTrainingDataError extends PermanentError {
  override readonly name = 'InvalidTrainingDataError';
}

/**
 * Training was stopped by its AbortSignal (a cancelled job or a worker shutting down). Not
 * permanent: a job stopped by a shutdown continues on the next worker.
 */
export class TrainingAbortedError extends Error {
  override readonly name = 'TrainingAbortedError';
}
