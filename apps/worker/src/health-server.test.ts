import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import type { Worker } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { createJobWorker, createRedisConnection, type RedisConnection } from '@convoy/queue';
import { startHealthServer, type HealthServer } from './health-server.js';
import { checkLiveness, checkReadiness } from './worker-health.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const quiet = { info: () => undefined };

/** A port nothing listens on: Redis there refuses every connection. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function get(url: string, method = 'GET') {
  const response = await fetch(url, { method });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : '' };
}

/** Polls until the endpoint answers `status` (connections come up asynchronously). */
async function until(url: string, status: number) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answer = await get(url);
    if (answer.status === status || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('worker health server', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const start = async (now?: () => number): Promise<HealthServer> => {
    const server = await startHealthServer({
      host: '127.0.0.1',
      port: 0,
      shutdownTimeoutMs: 60_000,
      logger: quiet,
      ...(now ? { now } : {}),
    });
    cleanups.push(() => server.close());
    return server;
  };

  /** A real BullMQ worker (visualize queue, throwaway prefix) on its own connection. */
  const queueWorker = (url: string): { worker: Worker; connection: RedisConnection } => {
    const connection = createRedisConnection(url, 'blocking');
    const worker = createJobWorker('visualize', () => Promise.resolve(undefined), {
      connection,
      prefix: `test-${randomUUID()}`,
    });
    // An unreachable Redis makes the worker emit errors; they are what is being tested.
    worker.on('error', () => undefined);
    cleanups.push(async () => {
      await worker.close(true).catch(() => undefined);
      connection.disconnect();
    });
    return { worker, connection };
  };

  it('answers alive but not ready while starting, then ready once the worker is attached', async () => {
    const server = await start();
    expect(await get(`${server.url}/healthz`)).toMatchObject({
      status: 200,
      body: { status: 'ok' },
    });
    const starting = await get(`${server.url}/readyz`);
    expect(starting.status).toBe(503);
    expect(starting.body.error.code).toBe('STARTING');

    const { worker, connection } = queueWorker(REDIS_URL);
    server.attach(() => checkReadiness({ workers: [worker], connections: [connection] }));
    const ready = await until(`${server.url}/readyz`, 200);
    expect(ready).toMatchObject({ status: 200, body: { status: 'ready' } });
    expect(ready.headers.get('cache-control')).toBe('no-store');
  });

  it('is not ready when Redis is unreachable, and says why; it stays alive', async () => {
    const server = await start();
    const { worker, connection } = queueWorker(`redis://127.0.0.1:${await closedPort()}`);
    server.attach(() => checkReadiness({ workers: [worker], connections: [connection] }));
    const answer = await get(`${server.url}/readyz`);
    expect(answer.status).toBe(503);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.body.error.code).toBe('REDIS_UNAVAILABLE');
    expect(answer.body.error.message).toMatch(/^Redis connection is (connecting|reconnecting)/);
    expect((await get(`${server.url}/healthz`)).status).toBe(200);
  });

  it('is not ready once the BullMQ worker has stopped', async () => {
    const server = await start();
    const { worker, connection } = queueWorker(REDIS_URL);
    server.attach(() => checkReadiness({ workers: [worker], connections: [connection] }));
    await until(`${server.url}/readyz`, 200);
    await worker.close();
    const answer = await get(`${server.url}/readyz`);
    expect(answer.status).toBe(503);
    expect(answer.body.error).toMatchObject({
      code: 'WORKER_NOT_RUNNING',
      message: 'BullMQ worker not running: convoy-visualize',
    });
  });

  it('stops being ready at shutdown and stops being alive once the shutdown outlasts its bound', async () => {
    let clock = 1_000_000;
    const server = await start(() => clock);
    const { worker, connection } = queueWorker(REDIS_URL);
    server.attach(() => checkReadiness({ workers: [worker], connections: [connection] }));
    await until(`${server.url}/readyz`, 200);

    server.shuttingDown();
    expect((await get(`${server.url}/readyz`)).body.error.code).toBe('SHUTTING_DOWN');
    clock += 60_000;
    expect((await get(`${server.url}/healthz`)).status).toBe(200);
    clock += 1_000;
    const overdue = await get(`${server.url}/healthz`);
    expect(overdue.status).toBe(503);
    expect(overdue.body.error).toMatchObject({
      code: 'SHUTDOWN_OVERDUE',
      message: 'shutting down for 61 s, past WORKER_SHUTDOWN_TIMEOUT_MS (60000 ms)',
    });
  });

  it('lets go of a client that never finishes its request, after its header timeout', async () => {
    const server = await startHealthServer({
      host: '127.0.0.1',
      port: 0,
      shutdownTimeoutMs: 60_000,
      logger: quiet,
      limits: {
        headersTimeoutMs: 300,
        requestTimeoutMs: 300,
        keepAliveTimeoutMs: 300,
        maxConnections: 4,
      },
    });
    cleanups.push(() => server.close());
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    await once(socket, 'connect');
    const started = Date.now();
    socket.write('GET /healthz HTTP/1.1\r\nHost: worker\r\n'); // the headers never end
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    await once(socket, 'close');
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('serves only GET and HEAD of its two paths', async () => {
    const server = await start();
    const missing = await get(`${server.url}/metrics`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
    const post = await get(`${server.url}/healthz`, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const head = await fetch(`${server.url}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});

describe('checkLiveness', () => {
  it('is alive without a shutdown, and during one up to its bound', () => {
    expect(checkLiveness(undefined, 5_000_000, 1_000)).toEqual({ ok: true });
    expect(checkLiveness(1_000, 2_000, 1_000)).toEqual({ ok: true });
    expect(checkLiveness(1_000, 2_001, 1_000)).toMatchObject({
      ok: false,
      code: 'SHUTDOWN_OVERDUE',
    });
  });
});
