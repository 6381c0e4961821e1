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
