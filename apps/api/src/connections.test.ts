import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timeoutCheckIntervalMs } from '@convoy/http';
import { createdJobSchema, errorBodySchema } from '@convoy/schemas';
import { startTestApi, type TestApi } from './api.test-helper.js';

const TIMEOUTS = { requestTimeoutMs: 1_000, headersTimeoutMs: 1_000 } as const;
const CUT_WITHIN_MS =
  TIMEOUTS.requestTimeoutMs +
  timeoutCheckIntervalMs({ ...TIMEOUTS, keepAliveTimeoutMs: 5_000, maxConnections: 10 }) +
  1_500;

let api: TestApi;

beforeAll(async () => {
  // No token: the API answers only its own host names.
  api = await startTestApi({ ...TIMEOUTS, sseHeartbeatMs: 100 });
});
afterAll(async () => {
  await api.stop();
});

/** Writes `text` on a raw connection and returns what came back once the server closed it. */
async function raw(
  text: string,
  waitMs = 15_000,
): Promise<{ received: string; closedAfterMs: number }> {
  const socket = connect(Number(new URL(api.baseUrl).port), '127.0.0.1');
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  const started = performance.now();
  socket.write(text);
  const closedAfterMs = await Promise.race([
    once(socket, 'close').then(() => performance.now() - started),
    new Promise<number>((resolve) => setTimeout(() => resolve(Infinity), waitMs)),
  ]);
  socket.destroy();
  return { received, closedAfterMs };
}

/** GET with any Host header (fetch cannot set one). */
function getWithHost(
  path: string,
  host: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const url = new URL(api.baseUrl);
  return new Promise((resolve, reject) => {
    httpRequest(
      { host: url.hostname, port: url.port, path, headers: { ...headers, host } },
      (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    )
      .on('error', reject)
      .end();
  });
}

describe('server timeouts', () => {
  it('refuses a request that declares 50 MB (and sends 10 bytes) at once: 413, closed', async () => {
    const { received, closedAfterMs } = await raw(
      'POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        'Content-Length: 50000000\r\n\r\n{"type":"t',
    );
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    expect(received).toContain('PAYLOAD_TOO_LARGE');
    expect(closedAfterMs).toBeLessThan(TIMEOUTS.requestTimeoutMs);
  });

  it('answers 408 to a body that stops arriving, and closes the connection', async () => {
    const { received, closedAfterMs } = await raw(
      'POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        'Content-Length: 100\r\n\r\n{"type":"t',
    );
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(closedAfterMs).toBeGreaterThanOrEqual(TIMEOUTS.requestTimeoutMs - 100);
    expect(closedAfterMs).toBeLessThan(CUT_WITHIN_MS);
  });

  it('keeps an event stream open past the request timeout', async () => {
    const created = await api.request('/v1/jobs', { method: 'POST', json: { type: 'train' } });
    const { id } = createdJobSchema.parse(await created.json());
    const { received, closedAfterMs } = await raw(
      `GET /v1/jobs/${id}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
      3 * TIMEOUTS.requestTimeoutMs,
    );
    // Still open when raw() stopped waiting, heartbeats flowing all along.
    expect(closedAfterMs).toBe(Infinity);
    expect(received).toMatch(/^HTTP\/1\.1 200 /);
    expect(received.split(': heartbeat').length - 1).toBeGreaterThan(15);
  });
});

describe('host names (DNS rebinding) without a token', () => {
  it.each(['/v1/jobs', '/healthz', '/metrics', '/v1/jobs/train_zzzzzzzzzzzz/events'])(
    'refuses %s for a Host that is not this server’s (421)',
    async (path) => {
      const answer = await getWithHost(path, 'evil.example:3000');
      expect(answer.status).toBe(421);
      expect(errorBodySchema.parse(JSON.parse(answer.body)).error.code).toBe('MISDIRECTED_REQUEST');
    },
  );

  it('answers its own names and addresses', async () => {
    const { port } = new URL(api.baseUrl);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost', `[::1]:${port}`]) {
      expect((await getWithHost('/v1/jobs', host)).status, host).toBe(200);
    }
  });

  it('answers the names in API_ALLOWED_HOSTS, and checks no Host when it has a token', async () => {
    const listed = await startTestApi({ allowedHosts: 'convoy.internal,.corp.example' });
    const withToken = await startTestApi({ token: 'tok-0123456789', host: '127.0.0.1' });
    try {
      const get = (target: TestApi, host: string) => {
        const url = new URL(target.baseUrl);
        return new Promise<number>((resolve, reject) => {
          httpRequest(
            {
              host: url.hostname,
              port: url.port,
              path: '/v1/jobs',
              headers: { host, authorization: 'Bearer tok-0123456789' },
            },
            (response) => {
              response.resume();
              resolve(response.statusCode ?? 0);
            },
          )
            .on('error', reject)
            .end();
        });
      };
      expect(await get(listed, 'convoy.internal:3000')).toBe(200);
      expect(await get(listed, 'api.corp.example')).toBe(200);
      expect(await get(listed, 'evil.example')).toBe(421);
      // A browser cannot send the token: the token, not the name, keeps other sites out.
      expect(await get(withToken, 'evil.example:3000')).toBe(200);
    } finally {
      await Promise.all([listed.stop(), withToken.stop()]);
    }
  });
});
