import type { ApiErrorDetail } from '@convoy/schemas';

/** The API answered with an error status: its `{ error: { code, message, details? } }` body. */
export class ApiError extends Error {
  override readonly name: string = 'ApiError';
  constructor(
    readonly status: number,
    /** The body's stable code (`VALIDATION_FAILED`, `JOB_FINISHED`, …); `HTTP_<status>` when the body was not the API's. */
    readonly code: string,
    message: string,
    /** Where the request went wrong, field by field (validation errors). */
    readonly details: readonly ApiErrorDetail[] | undefined = undefined,
  ) {
    super(message);
  }
}

/** 404 JOB_NOT_FOUND: every method that names a job throws it for an unknown (or malformed) id. */
export class JobNotFoundError extends ApiError {
  override readonly name = 'JobNotFoundError';
}

/** The API could not be reached: refused, reset, a DNS failure, or no answer within the time limit. */
export class ApiUnreachableError extends Error {
  override readonly name = 'ApiUnreachableError';
  constructor(
    message: string,
    options?: ErrorOptions,
    /** No answer within the time limit (not retried: the API may still be working on it). */
    readonly timedOut = false,
  ) {
    super(message, options);
  }
}

/** The API answered 2xx with a body that does not match its schema (another server, another version). */
export class UnexpectedResponseError extends Error {
  override readonly name = 'UnexpectedResponseError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
