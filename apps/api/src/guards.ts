import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { jobIdSchema } from '@convoy/schemas';
import { HttpError, jobNotFound } from './http-error.js';
import type { JobLookup } from './job-lookup.js';
import type { FoundJob } from './job-view.js';

export type JobHandler = (
  request: Request,
  response: Response,
  found: FoundJob,
  next: NextFunction,
) => unknown;

/**
 * `:id` resolved to a job before `handler` runs (bull-board's `jobProvider`): a malformed or
 * unknown id is a 404 JOB_NOT_FOUND and the handler never sees it. Malformed ids answer 404, not
 * 400, on purpose: to a caller both are "there is no such job".
 */
export function withJob(lookup: JobLookup, handler: JobHandler): RequestHandler {
  return async function jobProvider(request, response, next) {
    const id = request.params.id;
    if (typeof id !== 'string' || !jobIdSchema.safeParse(id).success) {
      throw jobNotFound(String(id ?? ''));
    }
    const found = await lookup.find(id);
    if (found === undefined) throw jobNotFound(id);
    await handler(request, response, found, next);
  };
}

/** The fallback of a route: any method it does not define is a 405 with an `Allow` header. */
export function methodNotAllowed(allowed: readonly string[]): RequestHandler {
  const allow = [...new Set([...allowed, ...(allowed.includes('GET') ? ['HEAD'] : [])])].join(', ');
  return function rejectMethod(request) {
    throw new HttpError(
      405,
      'METHOD_NOT_ALLOWED',
      `${request.method} is not allowed here; use ${allow}`,
      { headers: { Allow: allow } },
    );
  };
}

const UNITS: Readonly<Record<string, number>> = { b: 1, kb: 1024, mb: 1024 * 1024 };

/** `256kb` (the body limit's notation, config.ts) in bytes. */
export function bodyLimitBytes(limit: string): number {
  const match = /^(\d+)(b|kb|mb)$/i.exec(limit);
  if (!match) throw new Error(`not a body limit: ${limit}`);
  return Number(match[1]) * (UNITS[(match[2] ?? 'b').toLowerCase()] ?? 1);
}

/**
 * A body declared (Content-Length) larger than the limit is refused before anyone reads it: 413
 * and the connection closed, where the JSON parser would first read (and wait for) all of it.
 */
export function refuseOversizedBodies(
  limit: string,
  /** Paths with a limit of their own (the batch route's larger one). */
  limitsByPath: Readonly<Record<string, string>> = {},
): RequestHandler {
  const maxBytes = bodyLimitBytes(limit);
  const pathLimits = new Map(
    Object.entries(limitsByPath).map(([path, pathLimit]) => [
      path,
      { limit: pathLimit, maxBytes: bodyLimitBytes(pathLimit) },
    ]),
  );
  return function declaredBodySize(request, response, next) {
    const declared = Number(request.headers['content-length'] ?? 0);
    const own = pathLimits.get(request.path);
    const { limit: applied, maxBytes: appliedBytes } = own ?? { limit, maxBytes };
    if (declared > appliedBytes) {
      response.setHeader('Connection', 'close');
      throw new HttpError(
        413,
        'PAYLOAD_TOO_LARGE',
        `the request body (${declared} bytes declared) is over the limit of ${applied}`,
      );
    }
    next();
  };
}
