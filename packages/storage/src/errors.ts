export type StorageErrorCode =
  'INVALID_ARTIFACT_PATH' | 'ARTIFACT_NOT_FOUND' | 'STORAGE_UNAVAILABLE';

/**
 * Base class of every error this package throws on purpose. `code` is stable: the API maps
 * `INVALID_ARTIFACT_PATH` to 400 and `ARTIFACT_NOT_FOUND` to 404 (and `STORAGE_UNAVAILABLE` is
 * meant for 503). Messages name only the job id and the relative path the caller gave, never a
 * directory of the host or a storage endpoint.
 */
export abstract class StorageError extends Error {
  abstract readonly code: StorageErrorCode;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/**
 * A job id or artifact path that is not allowed: absolute, `..`, empty segments, backslashes,
 * NUL, characters outside `[A-Za-z0-9._-]`, too long or too deep — or a path that, once symbolic
 * links are followed, leads out of the job's directory.
 */
export class InvalidArtifactPathError extends StorageError {
  readonly code = 'INVALID_ARTIFACT_PATH' as const;
  /** The offending job id or path, exactly as given. */
  readonly path: string;
  readonly reason: string;

  constructor(path: string, reason: string, options: { cause?: unknown } = {}) {
    super(`invalid artifact path ${quote(path)}: ${reason}`, options);
    this.path = path;
    this.reason = reason;
  }
}

/** No file at that path (or the path names a directory where a file was asked for). */
export class ArtifactNotFoundError extends StorageError {
  readonly code = 'ARTIFACT_NOT_FOUND' as const;
  readonly jobId: string;
  readonly path: string;

  constructor(jobId: string, path: string, options: { cause?: unknown } = {}) {
    super(`artifact ${quote(path)} of job ${quote(jobId)} not found`, options);
    this.jobId = jobId;
    this.path = path;
  }
}

/**
 * The storage behind the store did not answer (refused, reset, timed out) or answered with a
 * server error (5xx): the request may succeed later. The cause is the underlying error.
 */
export class StorageUnavailableError extends StorageError {
  readonly code = 'STORAGE_UNAVAILABLE' as const;
  readonly jobId: string;
  /** The artifact path the operation was about, or undefined for a whole job. */
  readonly path: string | undefined;

  constructor(
    operation: string,
    jobId: string,
    path: string | undefined,
    options: { cause?: unknown } = {},
  ) {
    const target = path === undefined ? '' : ` ${quote(path)} of`;
    super(
      `artifact storage is unavailable: ${operation}${target} job ${quote(jobId)} failed`,
      options,
    );
    this.jobId = jobId;
    this.path = path;
  }
}

/** JSON-quoted (control characters escaped) and cut short, so any input is safe to show. */
function quote(text: string): string {
  const limit = 80;
  return JSON.stringify(text.length > limit ? `${text.slice(0, limit)}…` : text);
}
