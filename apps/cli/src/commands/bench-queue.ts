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
  /** Training jobs accepted per second through POST /v1/jobs:batch, BATCH_SIZE per request. */
  readonly apiBatchSubmissionsPerSecond: number;
  readonly batchSize: number;
  /** Raw BullMQ `Queue.add` per second on the same Redis, from the anchor script. */
  readonly bullmqAddsPerSecond: number | null;
  /** apiSubmissionsPerSecond / bullmqAddsPerSecond. */
  readonly ratio: number | null;
  /** apiBatchSubmissionsPerSecond / bullmqAddsPerSecond. */
  readonly batchRatio: number | null;
}

/** Jobs per batch request, as the anchor awaits its adds 100 at a time. */
const BATCH_SIZE = 100;
/** Batch requests in flight at once. */
const BATCH_CONCURRENCY = 4;
const TRAIN_JOB = { type: 'train', params: { epochs: 1, dataset: { limit: 1000 } } } as const;

interface ApiRates {
  readonly single: number;
  readonly batch: number;
}

/**
 * Submits `jobs` through one API process twice: one job per request in parallel rounds of 100 (as the
 * anchor awaits its adds), then BATCH_SIZE jobs per `POST /v1/jobs:batch`, BATCH_CONCURRENCY at once.
 */
async function measureApi(options: QueueBenchmarkOptions): Promise<ApiRates> {
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
      const submitOne = () => client.createJob(TRAIN_JOB);
      const submitBatch = () =>
        client.createJobs(Array.from({ length: BATCH_SIZE }, () => TRAIN_JOB));
      await Promise.all(Array.from({ length: 100 }, submitOne)); // warm-up
      await Promise.all(Array.from({ length: BATCH_CONCURRENCY }, submitBatch));
      const single = await rate(jobs, async (remaining) => {
        const round = Math.min(100, remaining);
        await Promise.all(Array.from({ length: round }, submitOne));
        return round;
      });
      const batch = await rate(jobs, async (remaining) => {
        const requests = Math.min(BATCH_CONCURRENCY, Math.ceil(remaining / BATCH_SIZE));
        await Promise.all(Array.from({ length: requests }, submitBatch));
        return requests * BATCH_SIZE;
      });
      return { single, batch };
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

/** Jobs per second of `round` (which submits some of the remaining jobs and says how many). */
async function rate(jobs: number, round: (remaining: number) => Promise<number>): Promise<number> {
  const started = performance.now();
  let sent = 0;
  while (sent < jobs) sent += await round(jobs - sent);
  return sent / ((performance.now() - started) / 1000);
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
  const api = await measureApi(options);
  const bullmqAddsPerSecond = await measureAnchor(options);
  const ratioTo = (perSecond: number) =>
    bullmqAddsPerSecond ? perSecond / bullmqAddsPerSecond : null;
  return {
    jobs: options.jobs,
    apiSubmissionsPerSecond: api.single,
    apiBatchSubmissionsPerSecond: api.batch,
    batchSize: BATCH_SIZE,
    bullmqAddsPerSecond,
    ratio: ratioTo(api.single),
    batchRatio: ratioTo(api.batch),
  };
}
