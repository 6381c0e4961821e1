// The worker process's health endpoints (WORKER_HEALTH_PORT), as a Kubernetes probe sees them:
// a real worker process, a real Redis, and one Redis address where nothing listens.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './support/ports.js';
import {
  DATA_DIR,
  REDIS_URL,
  startApp,
  waitUntil,
  type RunningProcess,
} from './support/processes.js';

interface Answer {
  status: number;
  body: { status?: string; error?: { code: string; message: string } };
}

async function probe(url: string): Promise<Answer | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  } catch {
    return undefined;
  }
}

async function answers(url: string, status: number): Promise<Answer | undefined> {
  const answer = await probe(url);
  return answer?.status === status ? answer : undefined;
}

/** Private Redis servers of these tests, stopped after each test whatever its outcome. */
const redisServers = new Set<ChildProcess>();

async function stopRedis(server: ChildProcess): Promise<void> {
  redisServers.delete(server);
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGKILL');
  await exited;
}

/** A private Redis on a loopback port (Debian's redis-server), nothing persisted. */
async function startRedis(port: number): Promise<{ stop(): Promise<void> }> {
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  redisServers.add(server);
  const ping = async () => {
    const client = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return await client.ping();
    } catch {
      return undefined;
    } finally {
      client.disconnect();
    }
  };
  await waitUntil(ping, 10_000, `redis-server on port ${port}`);
  return { stop: () => stopRedis(server) };
}

describe('worker health endpoints', () => {
  let artifactsDir: string;
  const running: RunningProcess[] = [];

  beforeAll(async () => {
    artifactsDir = await mkdtemp(join(tmpdir(), 'convoy-worker-health-'));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((worker) => worker.stop('SIGKILL')));
    await Promise.all([...redisServers].map(stopRedis));
  });
  afterAll(async () => {
    await rm(artifactsDir, { recursive: true, force: true });
  });

  const startWorker = async (redisUrl: string) => {
    const port = await freePort();
    const worker = startApp('worker', {
      REDIS_URL: redisUrl,
      CONVOY_QUEUE_PREFIX: `test-${randomUUID()}`,
      ARTIFACTS_DIR: artifactsDir,
      DATA_DIR,
      CONVOY_BACKEND: 'wasm',
      WORKER_QUEUES: 'visualize',
      WORKER_HEALTH_PORT: String(port),
    });
    running.push(worker);
    return { worker, url: `http://127.0.0.1:${port}` };
  };

  it('is alive, becomes ready with Redis, and stops cleanly on SIGTERM', async () => {
    const { worker, url } = await startWorker(REDIS_URL);
    await worker.waitFor(/worker health endpoints on http:\/\/127\.0\.0\.1:\d+/);
    const alive = await waitUntil(() => probe(`${url}/healthz`), 30_000, '/healthz');
    expect(alive).toEqual({ status: 200, body: { status: 'ok' } });
    const ready = await waitUntil(() => answers(`${url}/readyz`, 200), 60_000, '/readyz 200');
    expect(ready.body).toEqual({ status: 'ready' });
    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(await probe(`${url}/healthz`)).toBeUndefined();
  });

  it('is not ready without Redis (at start, or when it goes away), and stays alive', async () => {
    const redisPort = await freePort();
    const { worker, url } = await startWorker(`redis://127.0.0.1:${redisPort}`);
    await worker.waitFor(/worker health endpoints on/);
    // No Redis yet: the worker cannot finish starting; alive, not ready.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await probe(`${url}/readyz`)).toMatchObject({
      status: 503,
      body: { error: { code: 'STARTING' } },
    });
    expect((await probe(`${url}/healthz`))?.status).toBe(200);

    let redis = await startRedis(redisPort);
    await waitUntil(() => answers(`${url}/readyz`, 200), 60_000, '/readyz to answer 200');
    await redis.stop();
    const down = await waitUntil(() => answers(`${url}/readyz`, 503), 30_000, '/readyz 503');
    expect(down.body.error?.code).toBe('REDIS_UNAVAILABLE');
    expect(down.body.error?.message).toMatch(/^Redis /);
    expect((await probe(`${url}/healthz`))?.status).toBe(200);

    redis = await startRedis(redisPort);
    await waitUntil(() => answers(`${url}/readyz`, 200), 60_000, '/readyz 200 again');
    expect(await worker.stop('SIGTERM')).toBe(0);
    await redis.stop();
  });
});
