import { ZodError } from 'zod';

/**
 * Convoy's errors say whether retrying can help. An error with `permanent: true` (bad data, invalid
 * params, a model that diverges) fails its job at once; anything else (Redis, disk, an exhausted
 * machine) is worth the queue's retries. A flag rather than a class list: it survives a trip across
 * a thread boundary as a plain field, and each package declares its own errors' nature where it
 * defines them.
 */
export interface PermanenceFlag {
  readonly permanent: boolean;
}

/** Base of the errors retrying cannot fix. */
export class PermanentError extends Error implements PermanenceFlag {
  readonly permanent = true;
}

/** True for errors flagged permanent, and for zod's: input that failed to parse never parses on a retry. */
export function isPermanentError(error: unknown): boolean {
  if (error instanceof ZodError) return true;
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as Partial<PermanenceFlag>).permanent === true
  );
}

/**
 * A value outside what it may be (RangeError's meaning: a bin count, an image's pixels, a tensor
 * file's size, a data split), where the value comes from a job's input or its data, so retrying
 * gives the same value. Still a RangeError, for callers that catch those.
 */
export class InvalidValueError extends RangeError implements PermanenceFlag {
  override readonly name = 'InvalidValueError';
  readonly permanent = true;
}

/** A layer list that cannot be built on 28×28×1 input (ShapeError.layerIndex names the layer). */
export class ShapeError extends PermanentError {
  override readonly name = 'ShapeError';
  constructor(
    message: string,
    readonly layerIndex?: number,
  ) {
    super(message);
  }
}
