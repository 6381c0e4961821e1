import type { Server } from 'node:http';
import express from 'express';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidCursorError } from '@convoy/queue';
import { ArtifactNotFoundError, InvalidArtifactPathError } from '@convoy/storage';
import { expectError } from './api.test-helper.js';
import { createErrorHandler, notFoundHandler, toHttpError } from './error-handler.js';
import { HttpError } from './http-error.js';

let server: Server | undefined;

afterEach(() => {
  server?.close();
  server = undefined;
});

/** An app whose one route throws `error`, behind the API's error middleware. */
async function serveError(error: unknown, exposeStacks = false): Promise<string> {
  const app = express();
  app.get('/boom', () => {
    throw error;
  });
  app.use(notFoundHandler());
  app.use(createErrorHandler({ logger: pino({ level: 'silent' }), exposeStacks }));
  const started = app.listen(0, '127.0.0.1');
  server = started;
  await new Promise((resolve) => started.once('listening', resolve));
  const address = started.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

describe('the error middleware', () => {
  it('turns an unexpected error into 500 INTERNAL without its message or stack', async () => {
    const base = await serveError(new Error('secret detail at /srv/convoy/index.js:12'));
    const error = await expectError(await fetch(`${base}/boom`), 500, 'INTERNAL');
    expect(error.message).toBe('internal server error');
    expect(JSON.stringify(error)).not.toContain('secret');
  });

  it('adds the stack of a 500 in development only', async () => {
    const base = await serveError(new Error('kaboom'), true);
    const error = await expectError(await fetch(`${base}/boom`), 500, 'INTERNAL');
    expect(error.message).toContain('kaboom');
    expect(error.message).toContain('error-handler.test.ts');
  });

  it('answers unknown routes with 404 NOT_FOUND in the same shape', async () => {
    const base = await serveError(new Error('unused'));
    await expectError(await fetch(`${base}/nowhere`), 404, 'NOT_FOUND');
  });

  it('sends the headers and details of an HttpError', async () => {
    const base = await serveError(
      new HttpError(400, 'VALIDATION_FAILED', 'bad', {
        details: [{ path: 'params.epochs', message: 'too small' }],
        headers: { 'X-Test': 'yes' },
      }),
    );
    const response = await fetch(`${base}/boom`);
    expect(response.headers.get('x-test')).toBe('yes');
    const error = await expectError(response, 400, 'VALIDATION_FAILED');
    expect(error.details).toEqual([{ path: 'params.epochs', message: 'too small' }]);
  });
});

describe('toHttpError', () => {
  it('maps the errors of the packages the API uses', () => {
    expect(toHttpError(new InvalidCursorError('malformed cursor'))).toMatchObject({
      status: 400,
      code: 'INVALID_CURSOR',
    });
    expect(toHttpError(new InvalidArtifactPathError('../x', 'segment ".."'))).toMatchObject({
      status: 400,
      code: 'INVALID_ARTIFACT_PATH',
    });
    expect(toHttpError(new ArtifactNotFoundError('train_x', 'a.json'))).toMatchObject({
      status: 404,
      code: 'ARTIFACT_NOT_FOUND',
    });
    expect(
      toHttpError(Object.assign(new Error('x'), { type: 'entity.too.large', status: 413 })),
    ).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(
      toHttpError(Object.assign(new Error('gone'), { status: 404, expose: true })),
    ).toMatchObject({ status: 404, code: 'NOT_FOUND', message: 'gone' });
    expect(
      toHttpError(new Error("Stream isn't writeable and enableOfflineQueue options is false")),
    ).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
    expect(toHttpError('a string')).toMatchObject({ status: 500, code: 'INTERNAL' });
  });
});
