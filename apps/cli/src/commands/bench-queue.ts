import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ConvoyClient } from '@convoy/client';
import { createRedisConnection, removeQueuePrefix } from '@convoy/queue';
import { startApi } from './api-process.js';

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

/** Submits `jobs` through the API process in parallel batches of 100, as the anchor adds them. */
async function measureApi(options: QueueBenchmarkOptions): Promise<number> {
  const { redisUrl, jobs } = options;
  const prefix = `bench-${randomUUID()}`;
  const artifactsDir = await mkdtemp(join(tmpdir(), 'convoy-bench-'));
  try {
    const api = await startApi(join(options.repositoryRoot, 'apps/api/dist/main.js'), {
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
