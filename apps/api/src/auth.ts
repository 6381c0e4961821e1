import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpError } from './http-error.js';

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Requires `Authorization: Bearer <token>` with one of `tokens` (the undefined ones are not
 * configured); with none configured, lets every request through (the API then listens on a
 * loopback address only, see config.ts). Tokens are compared as sha256 digests with
 * timingSafeEqual: equal lengths, constant time.
 */
export function createBearerAuth(...tokens: (string | undefined)[]): RequestHandler {
  const expected = tokens.filter((token) => token !== undefined).map(digest);
  if (expected.length === 0) {
    return function allowAll(_request, _response, next) {
      next();
    };
  }
  return function requireBearerToken(request, _response, next) {
    const header = request.headers.authorization;
    if (header === undefined || header === '') {
      throw unauthorized('this endpoint needs an Authorization: Bearer <token> header');
    }
    const match = BEARER.exec(header);
    if (!match?.[1]) {
      throw unauthorized('malformed Authorization header: use Bearer <token>', 'invalid_request');
    }
    const given = digest(match[1]);
    // Every token is compared, so the time taken does not tell which one came close.
    const matches = expected.map((token) => timingSafeEqual(given, token));
    if (!matches.includes(true)) throw unauthorized('invalid token', 'invalid_token');
    next();
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function unauthorized(message: string, error?: 'invalid_request' | 'invalid_token'): HttpError {
  const challenge = `Bearer realm="convoy"${error ? `, error="${error}"` : ''}`;
  return new HttpError(401, 'UNAUTHORIZED', message, {
    headers: { 'WWW-Authenticate': challenge },
  });
}
