import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { ArtifactNotFoundError, InvalidArtifactPathError } from '@convoy/storage';
import { ApiError, ApiUnreachableError, UnexpectedResponseError } from '@convoy/client';
import { HttpError } from './http-error.js';
import { renderErrorPage } from './pages/layout.js';
import { fromApiError } from './visualization-resolver.js';

/** Anything thrown while handling a request, as the HttpError it means for the browser. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (
    error instanceof ApiError ||
    error instanceof ApiUnreachableError ||
    error instanceof UnexpectedResponseError
  )
    return fromApiError(error);
  if (error instanceof ArtifactNotFoundError) {
    return new HttpError(404, 'ARTIFACT_NOT_FOUND', error.message, { cause: error });
  }
  if (error instanceof InvalidArtifactPathError) {
    return new HttpError(404, 'NOT_FOUND', 'no such job or artifact', { cause: error });
  }
  if (typeof error === 'object' && error !== null) {
    const { status, type, expose, message } = error as Record<string, unknown>;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const text =
        type === 'entity.parse.failed'
          ? 'the request body is not valid JSON'
          : expose === true && typeof message === 'string'
            ? message
            : 'bad request';
      return new HttpError(status, status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST', text, {
        cause: error,
      });
    }
  }
  return new HttpError(500, 'INTERNAL', 'internal server error', { cause: error });
}

/** Pages get an HTML error page; everything else (API proxy, images, fragments, JSON) the JSON body. */
function wantsHtml(request: Request): boolean {
  if (request.method !== 'GET') return false;
  if (
    /^\/(api|static|uploads|compare\/)|\/(fragments|visualizations)\/|\.(png|json)$/.test(
      request.path,
    )
  )
    return false;
  return request.accepts(['html', 'json']) === 'html';
}

/** The one error middleware. */
export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  return function handleError(error: unknown, request, response, _next) {
    const httpError = toHttpError(error);
    if (httpError.status >= 500) {
      (request.log ?? logger).error(
        { err: httpError.cause ?? httpError, code: httpError.code },
        'request failed',
      );
    }
    if (response.headersSent) {
      response.end();
      return;
    }
    response.status(httpError.status).set(httpError.headers).set('Cache-Control', 'no-store');
    if (wantsHtml(request)) {
      response.type('html').send(renderErrorPage(httpError.status, httpError.message));
    } else {
      response.json(httpError.toBody());
    }
  };
}

export function notFoundHandler(): RequestHandler {
  return function routeNotFound(request) {
    const path = request.path.length > 200 ? `${request.path.slice(0, 200)}…` : request.path;
    throw new HttpError(404, 'NOT_FOUND', `no page at ${path}`);
  };
}
