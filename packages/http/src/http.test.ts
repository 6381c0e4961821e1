import { describe, expect, it } from 'vitest';
import { HttpError, isLoopbackHost } from './index.js';

describe('HttpError', () => {
  it('becomes the error body every Convoy server answers with', () => {
    const error = new HttpError(400, 'VALIDATION_FAILED', 'bad input', {
      details: [{ path: 'params.epochs', message: 'too small' }],
    });
    expect(error.toBody()).toEqual({
      error: {
        code: 'VALIDATION_FAILED',
        message: 'bad input',
        details: [{ path: 'params.epochs', message: 'too small' }],
      },
    });
    expect(new HttpError(404, 'NOT_FOUND', 'nothing here').toBody()).toEqual({
      error: { code: 'NOT_FOUND', message: 'nothing here' },
    });
    expect(
      new HttpError(401, 'UNAUTHORIZED', 'token', { headers: { 'WWW-Authenticate': 'Bearer' } })
        .headers,
    ).toEqual({ 'WWW-Authenticate': 'Bearer' });
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.1', false],
    ['example.com', false],
  ])('%s → %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});
