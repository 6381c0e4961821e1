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

/**
 * True for errors flagged permanent; for zod's (input that failed to parse never parses on a
 * retry); and for running out of memory, which the same job on the same kind of worker does again.
 */
export function isPermanentError(error: unknown): boolean {
  if (error instanceof ZodError) return true;
  if (isOutOfMemoryError(error)) return true;
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as Partial<PermanenceFlag>).permanent === true
  );
}

/**
 * How running out of memory surfaces: wasm's 4 GB heap full ("memory access out of bounds" when an
 * allocation fails mid-kernel, "Maximum memory size exceeded" / "could not allocate memory" when it
 * cannot grow, emscripten's "Cannot enlarge memory"), V8's ArrayBuffers ("Array buffer allocation
 * failed"), libtensorflow ("OOM when allocating tensor"), and plain "out of memory".
 */
const OUT_OF_MEMORY =
  /memory access out of bounds|array buffer allocation failed|maximum memory size exceeded|could not allocate memory|cannot enlarge memory|out of memory/i;
const OOM_WORD = /\bOOM\b/;

/** An error (or its message, as it crossed a thread) that says the process ran out of memory. */
export function isOutOfMemoryError(error: unknown): boolean {
  const message =
    typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : error;
  return typeof message === 'string' && (OUT_OF_MEMORY.test(message) || OOM_WORD.test(message));
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
