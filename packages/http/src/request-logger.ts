import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';

/** Query parameters whose values are credentials, whatever a client put them there for. */
const SECRET_PARAMETER = /token|key|secret|passw|auth|sig|credential|session/i;

/** The URL with the values of credential-like query parameters replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  const query = url.indexOf('?');
  if (query < 0) return url;
  const parameters = url
    .slice(query + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals < 0 ? pair : pair.slice(0, equals);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // a malformed name is logged as sent
      }
      return equals >= 0 && SECRET_PARAMETER.test(decoded) ? `${name}=[redacted]` : pair;
    });
  return `${url.slice(0, query)}?${parameters.join('&')}`;
}

/**
 * One log line per request: method, url (credential-like query values redacted) and status only
 * (no headers, so no tokens), errors and 5xx at `error`, 4xx at `warn`, the rest at `successLevel`.
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
        url: redactUrl(request.url),
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
