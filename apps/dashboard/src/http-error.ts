/** One problem of a request, as `details` lists them: where (a dotted path) and what. */
export interface ErrorDetail {
  readonly path: string;
  readonly message: string;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: readonly ErrorDetail[] | undefined };
}

export interface HttpErrorOptions {
  readonly details?: readonly ErrorDetail[] | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly cause?: unknown;
}

/**
 * The one error type that becomes an HTTP response: the error middleware turns it into `status`
 * and `{ error: { code, message, details? } }` (JSON routes) or an error page (HTML routes).
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

export const badRequest = (message: string, details?: readonly ErrorDetail[]) =>
  new HttpError(400, 'BAD_REQUEST', message, { details });

export const jobNotFound = (id: string) =>
  new HttpError(404, 'JOB_NOT_FOUND', `job ${JSON.stringify(id.slice(0, 80))} not found`);
