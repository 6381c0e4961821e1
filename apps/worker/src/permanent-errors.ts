import { DataError } from '@convoy/data';
import { ModelArtifactError } from '@convoy/model';
import { InvalidTrainingDataError, NonFiniteLossError } from '@convoy/training';
import { ShapeError } from '@convoy/schemas';
import { ZodError } from 'zod';

/**
 * Errors that retrying cannot fix: bad data, a model that diverges, invalid params, missing inputs.
 * Anything else (Redis, disk, an exhausted machine) is worth the queue's retries with backoff.
 */
export function isPermanentError(error: unknown): boolean {
  return (
    error instanceof DataError ||
    error instanceof InvalidTrainingDataError ||
    error instanceof NonFiniteLossError ||
    error instanceof ModelArtifactError ||
    error instanceof ShapeError ||
    error instanceof ZodError ||
    error instanceof RangeError ||
    (error instanceof Error && error.name === 'VisualizationInputError')
  );
}
