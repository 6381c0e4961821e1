/** One problem of a request, as `details` lists them: where (a dotted path) and what. */
export interface ErrorDetail {
  readonly path: string;
  readonly message: string;
}

export interface HttpErrorOptions {
  readonly details?: readonly ErrorDetail[] | undefined;
  /** Response headers that belong to the error (`WWW-Authenticate`, `Allow`). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly cause?: unknown;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: readonly ErrorDetail[] | undefined };
}

/**
 * The one error type that becomes an HTTP response in Convoy's servers: their error middleware
 * turns it into `status` + `{ error: { code, message, details? } }` (or an error page). Anything
 * else thrown in a handler is mapped to one of these or reported as a 500 INTERNAL.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly details: readonly ErrorDetail[] | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options: HttpErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.details = options.details;
    this.headers = options.headers ?? {};
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}
