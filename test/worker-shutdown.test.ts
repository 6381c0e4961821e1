// A worker told to stop (SIGTERM) while Redis is away: it must exit 0 within a bounded time, idle or
// training, whether Redis stays down or comes back during the shutdown; the checkpoint lands first,
// and once Redis is back another worker resumes the job from it. Redis here is a server of the
// test's own, killed with SIGKILL; its append-only file keeps the queue across the kill, as
// compose's volume does.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createRedisConnection,
  JobQueues,
  removeQueuePrefix,
  type AnyJob,
  type RedisConnection,
} from '@convoy/queue';
import {
  trainingReportSchema,
  trainingResultSchema,
  type TrainingParamsInput,
} from '@convoy/schemas';
import { DATA_DIR, startApp, waitUntil, type RunningProcess } from './support/processes.js';
import { freePort } from './support/ports.js';
import { startRedisServer, type LocalRedisServer } from './support/redis-server.js';
import { expectWholeRunTotals } from './support/training-totals.js';

// Small enough to be quick, large enough that an epoch lasts a few seconds on wasm.
/**
 * 150 batches an epoch: the stop lands mid-epoch 2 even on a quiet machine (~30 batches a second),
 * where the 1 s outage before SIGTERM plus the stop itself run ~40 batches on.
 */
const SMALL_JOB: TrainingParamsInput = { epochs: 3, dataset: { limit: 6000 }, batchSize: 32 };
/**
 * The documented bound with a local store: the current batch (well under a second here), the
 * hand-back (at most 5 s) and closing Redis connections (at most 5 s), plus slack for two busy cores.
 */
const SHUTDOWN_BOUND_MS = 20_000;
const OUTAGE_MS = 10_000;
/** What the test's own connection logs: nothing (the worker's logs are what is checked). */
const quiet = { warn: () => undefined, info: () => undefined };

interface CheckpointState {
  epoch: number;
  partialEpoch: { batch: number } | null;
}

describe('shutdown while Redis is down, or comes back during it', () => {
  const prefix = `test-${randomUUID()}`;
  let redis: LocalRedisServer;
  let connection: RedisConnection;
  let queues: JobQueues;
  let artifactsDir: string;
  const running: RunningProcess[] = [];

  const startWorker = () => {
    const worker = startApp('worker', {
      REDIS_URL: redis.url,
      CONVOY_QUEUE_PREFIX: prefix,
      ARTIFACTS_DIR: artifactsDir,
      DATA_DIR,
      CONVOY_BACKEND: 'wasm',
      WORKER_QUEUES: 'train',
      WORKER_LOCK_DURATION_MS: '4000',
      WORKER_STALLED_INTERVAL_MS: '2000',
    });
    running.push(worker);
    return worker;
  };
  const enqueue = async (params: TrainingParamsInput) =>
    (await queues.enqueue({ type: 'train', params } as never)) as AnyJob;
  const checkpointOf = async (id: string): Promise<CheckpointState | null> => {
    const text = await readFile(join(artifactsDir, id, 'checkpoint/state.json'), 'utf8').catch(
      () => null,
    );
    return text === null ? null : (JSON.parse(text) as CheckpointState);
  };
  /** In the first half of epoch 2, with epoch 1's checkpoint landed (uploads go on beside training). */
  const inEpochTwo = (id: string) =>
    waitUntil(
      async () => {
        const parsed = trainingReportSchema.safeParse((await queues.find(id))?.progress);
        const progress = parsed.success ? parsed.data.progress : null;
        const inside =
          progress?.epoch === 2 && progress.batch > 3 && progress.batch < progress.batches / 2;
        return inside && (await checkpointOf(id))?.epoch === 1 ? true : undefined;
      },
      180_000,
      `job ${id} to be inside epoch 2 with epoch 1's checkpoint`,
    );
  const finished = (id: string) =>
    waitUntil(
      async () => {
        const state = await queues.train.getJobState(id);
        return state === 'completed' || state === 'failed' ? await queues.find(id) : undefined;
      },
      240_000,
      `job ${id} to finish`,
    );
  /** SIGTERM, then the exit code and how long the process took to exit. */
  const terminate = async (worker: RunningProcess) => {
    const started = Date.now();
    const code = await worker.stop('SIGTERM');
    return { code, ms: Date.now() - started };
  };
  beforeAll(async () => {
    redis = await startRedisServer();
    artifactsDir = await mkdtemp(join(tmpdir(), 'convoy-shutdown-'));
    // The offline queue holds the test's own commands while Redis is away.
    connection = createRedisConnection(redis.url, 'blocking', { logger: quiet });
    queues = new JobQueues({ connection, prefix, logger: quiet });
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((worker) => worker.stop('SIGKILL')));
    await redis.restart().catch(() => undefined);
  });
  afterAll(async () => {
    await removeQueuePrefix(connection, prefix).catch(() => undefined);
    await queues.close();
    connection.disconnect();
    await redis.stop();
    await rm(artifactsDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  it('idle, Redis down: a few structured log lines for the outage, then SIGTERM exits 0 in time', async () => {
    const worker = startWorker();
    await worker.waitFor(/convoy worker started/);
    await redis.kill();
    const from = worker.output.length;
    await sleep(OUTAGE_MS);
    const outage = worker.output.slice(from);
    expect(outage.filter((line) => line.includes('Unhandled error event'))).toEqual([]);
    // Every line is pino's JSON, and the reconnect attempts (dozens a second) are not each one.
    expect(outage.filter((line) => !line.startsWith('{'))).toEqual([]);
    expect(outage.some((line) => line.includes('ECONNREFUSED'))).toBe(true);
    expect(outage.length).toBeLessThanOrEqual(8);
    const { code, ms } = await terminate(worker);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(SHUTDOWN_BOUND_MS);
  }, 120_000);

  it('training, Redis down: SIGTERM checkpoints mid-epoch and exits 0 in time; once Redis is back another worker resumes from that checkpoint', async () => {
    const job = await enqueue(SMALL_JOB);
    const id = job.id ?? '';
    const first = startWorker();
    await inEpochTwo(id);
    await redis.kill();
    await sleep(1000);
    const { code, ms } = await terminate(first);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(SHUTDOWN_BOUND_MS);
    // Redis never answered: the hand-back gave up and the connections were dropped.
    expect(first.output.join('\n')).toMatch(/job not handed back/);
    expect(first.output.join('\n')).toMatch(/dropping its connections/);
    // The stop's checkpoint landed in the store before the process left: mid-epoch 2.
    const checkpoint = await checkpointOf(id);
    expect(checkpoint?.epoch).toBe(1);
    expect(checkpoint?.partialEpoch?.batch).toBeGreaterThan(0);

    await redis.restart();
    const second = startWorker();
    const done = await finished(id);
    expect(await done.getState()).toBe('completed');
    const result = trainingResultSchema.parse(done.returnvalue);
    expect(result.history.map((record) => record.epoch)).toEqual([1, 2, 3]);
    expect(result.resumedFromEpoch).toBe(1);
    // It went on mid-epoch: the second worker finished epochs 2 and 3 only.
    expect(second.output.filter((line) => line.includes('epoch finished')).length).toBe(2);
    expectWholeRunTotals(result);
  }, 360_000);

  it('training, Redis back during the shutdown: exits 0 in time, and another worker finishes the job', async () => {
    const job = await enqueue(SMALL_JOB);
    const id = job.id ?? '';
    const first = startWorker();
    await inEpochTwo(id);
    await redis.kill();
    await sleep(1000);
    const stopping = terminate(first);
    await sleep(1500);
    await redis.restart();
    const { code, ms } = await stopping;
    expect(code).toBe(0);
    expect(ms).toBeLessThan(SHUTDOWN_BOUND_MS);
    expect((await checkpointOf(id))?.partialEpoch?.batch).toBeGreaterThan(0);

    startWorker();
    const done = await finished(id);
    expect(await done.getState()).toBe('completed');
    const result = trainingResultSchema.parse(done.returnvalue);
    expect(result.history.map((record) => record.epoch)).toEqual([1, 2, 3]);
    expect(result.resumedFromEpoch).toBe(1);
    expectWholeRunTotals(result);
  }, 360_000);

  it('the API too: a few structured lines for the outage, then SIGTERM exits 0 in time', async () => {
    const port = await freePort();
    const api = startApp('api', {
      REDIS_URL: redis.url,
      CONVOY_QUEUE_PREFIX: prefix,
      ARTIFACTS_DIR: artifactsDir,
      API_PORT: String(port),
      API_HOST: '127.0.0.1',
    });
    running.push(api);
    await waitUntil(
      async () =>
        (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.ok ? true : undefined,
      60_000,
      'the API',
    );
    await redis.kill();
    const from = api.output.length;
    await sleep(OUTAGE_MS);
    const outage = api.output.slice(from);
    expect(outage.filter((line) => !line.startsWith('{'))).toEqual([]);
    expect(outage.some((line) => line.includes('ECONNREFUSED'))).toBe(true);
    expect(outage.length).toBeLessThanOrEqual(8);
    const { code, ms } = await terminate(api);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(SHUTDOWN_BOUND_MS);
  }, 120_000);
});
