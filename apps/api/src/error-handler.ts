import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { InvalidCursorError } from '@convoy/queue';
import {
  ArtifactNotFoundError,
  InvalidArtifactPathError,
  StorageUnavailableError,
} from '@convoy/storage';
import { HttpError } from './http-error.js';

/** Codes for the 4xx errors Express and body-parser raise themselves (http-errors). */
const STATUS_CODES: Readonly<Record<number, string>> = {
  400: 'BAD_REQUEST',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/** body-parser's error `type`s. */
const BODY_ERRORS: Readonly<Record<string, { status: number; code: string; message: string }>> = {
  'entity.parse.failed': {
    status: 400,
    code: 'INVALID_JSON',
    message: 'the request body is not valid JSON (expected a JSON object)',
  },
  'entity.too.large': {
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    message: 'the request body is too large',
  },
  'encoding.unsupported': {
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'unsupported content encoding',
  },
  'charset.unsupported': {
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'unsupported charset: send UTF-8 JSON',
  },
};

/**
 * Anything thrown while handling a request, as the HttpError it means for the caller: the API's
 * own, the errors of the packages it uses (bad cursor, bad artifact path, missing artifact),
 * Express's and body-parser's 4xx errors, Redis being down (503). Anything else is a 500 INTERNAL.
 */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof InvalidCursorError) {
    return new HttpError(400, 'INVALID_CURSOR', `invalid cursor: ${error.message}`, {
      cause: error,
    });
  }
  if (error instanceof InvalidArtifactPathError) {
    return new HttpError(400, 'INVALID_ARTIFACT_PATH', error.message, { cause: error });
  }
  if (error instanceof ArtifactNotFoundError) {
    return new HttpError(404, 'ARTIFACT_NOT_FOUND', error.message, { cause: error });
  }
  if (error instanceof StorageUnavailableError) {
    return new HttpError(503, 'STORAGE_UNAVAILABLE', 'the artifact store is unavailable', {
      cause: error,
      headers: { 'Retry-After': '5' },
    });
  }
  if (isObject(error)) {
    const type = typeof error.type === 'string' ? BODY_ERRORS[error.type] : undefined;
    if (type) return new HttpError(type.status, type.code, type.message, { cause: error });
    const status = typeof error.status === 'number' ? error.status : error.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const message =
        error.expose === true && typeof error.message === 'string' ? error.message : 'bad request';
      return new HttpError(status, STATUS_CODES[status] ?? 'BAD_REQUEST', message, {
        cause: error,
      });
    }
    if (isRedisUnavailable(error)) {
      return new HttpError(503, 'SERVICE_UNAVAILABLE', 'the job store (Redis) is unavailable', {
        cause: error,
        headers: { 'Retry-After': '5' },
      });
    }
  }
  return new HttpError(500, 'INTERNAL', 'internal server error', { cause: error });
}

export interface ErrorHandlerOptions {
  readonly logger: Logger;
  /** Adds the stack of a 500's cause to its message (development only). */
  readonly exposeStacks: boolean;
}

/** The one error middleware: every error response is `{ error: { code, message, details? } }`. */
export function createErrorHandler(options: ErrorHandlerOptions): ErrorRequestHandler {
  return function handleError(error: unknown, request, response, _next) {
    const httpError = toHttpError(error);
    if (httpError.status >= 500) {
      (request.log ?? options.logger).error(
        { err: httpError.cause ?? httpError, code: httpError.code },
        'request failed',
      );
    }
    if (response.headersSent) {
      response.end();
      return;
    }
    const body = httpError.toBody();
    if (options.exposeStacks && httpError.status >= 500 && httpError.cause instanceof Error) {
      body.error.message = `${httpError.message}: ${httpError.cause.stack ?? httpError.cause.message}`;
    }
    response.status(httpError.status).set(httpError.headers).json(body);
  };
}

/** Unknown paths: 404 NOT_FOUND in the same shape as every other error. */
export function notFoundHandler(): RequestHandler {
  return function routeNotFound(request) {
    const path = request.path.length > 200 ? `${request.path.slice(0, 200)}…` : request.path;
    throw new HttpError(404, 'NOT_FOUND', `no route for ${request.method} ${path}`);
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** ioredis refusing a command because the connection is down (no offline queue on API clients). */
function isRedisUnavailable(error: Record<string, unknown>): boolean {
  const name = typeof error.name === 'string' ? error.name : '';
  const message = typeof error.message === 'string' ? error.message : '';
  return (
    name === 'MaxRetriesPerRequestError' ||
    /enableOfflineQueue|Connection is closed|ECONNREFUSED/.test(message)
  );
}
