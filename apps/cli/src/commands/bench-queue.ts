import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { ConvoyClient } from '@convoy/client';
import { createRedisConnection, removeQueuePrefix } from '@convoy/queue';

export interface QueueBenchmarkOptions {
  readonly redisUrl: string;
  readonly jobs: number;
  /** Directory holding bullmq_anchor.mjs; skipped when absent. */
  readonly anchorsDir: string;
  /** The checkout the CLI runs in: `bullmq` resolves from it, and the API is its apps/api/dist. */
  readonly repositoryRoot: string;
}

export interface QueueBenchmarkResult {
  readonly jobs: number;
  /** Training jobs accepted per second through POST /v1/jobs (validation, enqueue, index). */
  readonly apiSubmissionsPerSecond: number;
  /** Raw BullMQ `Queue.add` per second on the same Redis, from the anchor script. */
  readonly bullmqAddsPerSecond: number | null;
  readonly ratio: number | null;
}

interface BenchApi {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * The built API (`apps/api/dist/main.js`) as a child process on a free port of 127.0.0.1, with a
 * throwaway queue prefix and artifacts directory, and no token; resolves once /healthz says ok.
 */
async function startApi(
  repositoryRoot: string,
  env: Record<string, string>,
  readyWithinMs = 30_000,
): Promise<BenchApi> {
  const entry = join(repositoryRoot, 'apps/api/dist/main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npx turbo run build\` first`);
  const port = await freePort();
  const child = spawn(process.execPath, [entry], {
    cwd: repositoryRoot,
    // API_TOKEN empty counts as unset: this API is reachable from this machine only.
    env: { ...process.env, ...env, API_PORT: String(port), API_HOST: '127.0.0.1', API_TOKEN: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr.setEncoding('utf8').on('data', (text: string) => stderr.push(text));
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const url = `http://127.0.0.1:${port}`;
  const client = new ConvoyClient({ baseUrl: url, retry: false, timeoutMs: 2_000 });
  const deadline = Date.now() + readyWithinMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`the API exited with ${child.exitCode}: ${stderr.join('').trim()}`);
    }
    const health = await client.health().catch(() => undefined);
    if (health?.status === 'ok') return { url, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the API did not become healthy within ${readyWithinMs} ms`);
    }
    await sleep(100);
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Submits `jobs` through the API process in parallel batches of 100, as the anchor adds them. */
async function measureApi(options: QueueBenchmarkOptions): Promise<number> {
  const { redisUrl, jobs } = options;
  const prefix = `bench-${randomUUID()}`;
  const artifactsDir = await mkdtemp(join(tmpdir(), 'convoy-bench-'));
  try {
    const api = await startApi(options.repositoryRoot, {
      REDIS_URL: redisUrl,
      CONVOY_QUEUE_PREFIX: prefix,
      ARTIFACTS_DIR: artifactsDir,
      LOG_LEVEL: 'warn',
    });
    try {
      const client = new ConvoyClient({ baseUrl: api.url });
      const submit = () =>
        client.createJob({ type: 'train', params: { epochs: 1, dataset: { limit: 1000 } } });
      await Promise.all(Array.from({ length: 100 }, submit)); // warm-up
      const started = performance.now();
      for (let sent = 0; sent < jobs; sent += 100)
        await Promise.all(Array.from({ length: Math.min(100, jobs - sent) }, submit));
      return jobs / ((performance.now() - started) / 1000);
    } finally {
      await api.stop();
    }
  } finally {
    const connection = createRedisConnection(redisUrl, 'blocking');
    await removeQueuePrefix(connection, prefix);
    await connection.quit();
    await rm(artifactsDir, { recursive: true, force: true });
  }
}

async function measureAnchor(options: QueueBenchmarkOptions): Promise<number | null> {
  const script = resolve(options.anchorsDir, 'bullmq_anchor.mjs');
  if (!existsSync(script)) return null;
  const port = new URL(options.redisUrl).port || '6379';
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [script, port, String(options.jobs)],
    { cwd: options.repositoryRoot },
  );
  const match = /enqueue (\d+) jobs\/s/.exec(stdout);
  return match ? Number(match[1]) : null;
}

/** Job submissions/s through the API beside raw BullMQ adds/s, measured in the same run. */
export async function benchmarkQueue(
  options: QueueBenchmarkOptions,
): Promise<QueueBenchmarkResult> {
  const apiSubmissionsPerSecond = await measureApi(options);
  const bullmqAddsPerSecond = await measureAnchor(options);
  return {
    jobs: options.jobs,
    apiSubmissionsPerSecond,
    bullmqAddsPerSecond,
    ratio: bullmqAddsPerSecond ? apiSubmissionsPerSecond / bullmqAddsPerSecond : null,
  };
}
