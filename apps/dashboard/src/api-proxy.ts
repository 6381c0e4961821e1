import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { HttpError } from './http-error.js';

/** Request headers passed on to the API; everything else (cookies, the browser's own auth) stays. */
const FORWARDED_REQUEST_HEADERS = [
  'accept',
  'content-type',
  'content-length',
  'transfer-encoding',
  'if-none-match',
  'if-modified-since',
  'last-event-id',
  'user-agent',
] as const;

/** Response headers passed back to the browser. */
const FORWARDED_RESPONSE_HEADERS = [
  'content-type',
  'content-length',
  'cache-control',
  'etag',
  'last-modified',
  'retry-after',
  'allow',
  'content-disposition',
  'vary',
  'x-accel-buffering',
] as const;

const ALLOWED_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PATCH', 'DELETE']);

export interface ApiProxy {
  readonly handler: RequestHandler;
  /** Ends every request still open to the API (event streams above all). */
  close(): Promise<void>;
}

export interface ApiProxyOptions {
  /** The API's base URL (`http://127.0.0.1:3000`), without a trailing slash. */
  readonly apiUrl: string;
  /** Adds the API token; called per request so the token never sits in a closure the browser sees. */
  readonly authorization: () => Record<string, string>;
  readonly logger: Logger;
  /**
   * Called with the `/v1`-relative path (`/jobs/<id>/resume`) of each write (POST, PATCH, DELETE)
   * the API answered: the dashboard forgets what it cached of that job (a renamed, resumed or
   * deleted run is no longer the finished job it remembered).
   */
  readonly onWrite?: ((path: string) => void) | undefined;
}

/**
 * `/api/*` → `<API_URL>/v1/*`: the browser's only way to the API. Adds
 * `Authorization: Bearer <API_TOKEN>`, streams both bodies through (uploads, artifact downloads
 * and Server-Sent Events alike; headers are flushed at once and nothing is buffered), rewrites
 * `Location` from `/v1/` to `/api/`, and ends the upstream request when the browser goes away.
 * Paths with `.` or `..` segments are refused, so nothing outside `/v1` can be reached.
 */
export function createApiProxy(options: ApiProxyOptions): ApiProxy {
  const base = new URL(options.apiUrl);
  const send = base.protocol === 'https:' ? httpsRequest : httpRequest;
  const basePath = base.pathname.replace(/\/+$/, '');
  const open = new Set<ClientRequest>();

  const handler: RequestHandler = function proxyToApi(request, response) {
    if (!ALLOWED_METHODS.has(request.method)) {
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${request.method} is not allowed on /api`, {
        headers: { Allow: [...ALLOWED_METHODS].join(', ') },
      });
    }
    const path = upstreamPath(request);
    const headers: Record<string, string | string[]> = { ...options.authorization() };
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const value = request.headers[name];
      if (value !== undefined) headers[name] = value;
    }
    const upstream = send({
      protocol: base.protocol,
      hostname: base.hostname,
      port: base.port,
      method: request.method,
      path: `${basePath}/v1${path}`,
      headers,
    });
    open.add(upstream);
    upstream.on('close', () => open.delete(upstream));
    let finished = false;
    const abandon = () => {
      if (!finished) upstream.destroy();
    };
    // The browser closed the page (or its EventSource): stop the upstream stream too.
    response.on('close', abandon);
    upstream.on('response', (answer) => {
      if (request.method !== 'GET' && request.method !== 'HEAD') options.onWrite?.(path);
      relay(answer, response, () => (finished = true));
    });
    upstream.on('error', (error) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      options.logger.warn({ err: error, path }, 'API proxy: upstream request failed');
      const body = new HttpError(
        502,
        'API_UNAVAILABLE',
        'the Convoy API is unreachable from the dashboard',
      ).toBody();
      response.status(502).json(body);
    });
    if (request.method === 'GET' || request.method === 'HEAD') upstream.end();
    else request.pipe(upstream);
  };
  return {
    handler,
    async close() {
      for (const upstream of [...open]) upstream.destroy();
    },
  };
}

function relay(answer: IncomingMessage, response: Response, onEnd: () => void): void {
  response.status(answer.statusCode ?? 502);
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const value = answer.headers[name];
    if (value !== undefined) response.setHeader(name, value);
  }
  const location = answer.headers.location;
  if (location !== undefined) response.setHeader('location', location.replace(/^\/v1\//, '/api/'));
  const contentType = String(answer.headers['content-type'] ?? '');
  if (contentType.startsWith('text/event-stream')) {
    // Each event must reach the browser as soon as the API sends it.
    response.setHeader('x-accel-buffering', 'no');
    response.setHeader('connection', 'keep-alive');
    response.socket?.setNoDelay(true);
    response.flushHeaders();
  }
  answer.on('end', onEnd);
  answer.on('error', () => response.destroy());
  answer.pipe(response);
}

/** The path after `/api`, with its query, refusing `.` and `..` segments (raw or encoded). */
function upstreamPath(request: Request): string {
  const url = request.url.startsWith('/') ? request.url : `/${request.url}`;
  const pathname = url.split('?')[0] ?? '';
  for (const segment of pathname.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw new HttpError(400, 'INVALID_PATH', 'malformed percent-encoding in the path');
    }
    if (decoded === '.' || decoded === '..' || /[\\/]/.test(decoded)) {
      throw new HttpError(400, 'INVALID_PATH', 'the path may not contain . or .. segments');
    }
  }
  return url;
}
