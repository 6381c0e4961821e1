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

const BASIC = /^Basic +([A-Za-z0-9+/]+=*) *$/i;

/**
 * The queue page's auth: `Bearer <token>` as everywhere, or HTTP Basic with the token as the
 * password (any user name), so that an operator can open the page in a browser, which asks for
 * the credentials (`WWW-Authenticate: Basic`) and then sends them with the page's own requests.
 * Without a token configured, everything passes, as createBearerAuth.
 */
export function createQueuePageAuth(token: string | undefined): RequestHandler {
  const bearer = createBearerAuth(token);
  if (token === undefined) return bearer;
  const expected = digest(token);
  return function requireTokenOrBasic(request, response, next) {
    const basic = BASIC.exec(request.headers.authorization ?? '');
    if (basic?.[1] === undefined) {
      if (request.headers.authorization) {
        bearer(request, response, next);
        return;
      }
      throw basicChallenge('the queue page needs the API token (as the password, any user name)');
    }
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const password = decoded.slice(decoded.indexOf(':') + 1);
    if (!decoded.includes(':') || !timingSafeEqual(digest(password), expected)) {
      throw basicChallenge('invalid token');
    }
    next();
  };
}

function basicChallenge(message: string): HttpError {
  return new HttpError(401, 'UNAUTHORIZED', message, {
    headers: { 'WWW-Authenticate': 'Basic realm="Convoy queues", charset="UTF-8"' },
  });
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
