import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';

/**
 * One log line per request: method, url and status only (no headers, so no tokens), errors and
 * 5xx at `error`, 4xx at `warn`, the rest at `successLevel`.
 */
export function requestLogger(
  logger: Logger,
  successLevel: 'info' | 'debug' = 'info',
): RequestHandler {
  return pinoHttp({
    logger,
    redact: ['req.headers.authorization', 'req.headers.cookie'],
    serializers: {
      req: (request: { id: unknown; method: string; url: string }) => ({
        id: request.id,
        method: request.method,
        url: request.url,
      }),
      res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
    },
    customLogLevel: (_request, response, error) =>
      error || response.statusCode >= 500
        ? 'error'
        : response.statusCode >= 400
          ? 'warn'
          : successLevel,
  }) as RequestHandler;
}
