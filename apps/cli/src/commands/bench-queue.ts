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
import { median } from './median.js';

export interface QueueBenchmarkOptions {
  readonly redisUrl: string;
  readonly jobs: number;
  /** Rounds of (single, batch, anchor), run one after another so load affects all alike. */
  readonly rounds: number;
  /** Directory holding bullmq_anchor.mjs; skipped when absent. */
  readonly anchorsDir: string;
  /** The checkout the CLI runs in: `bullmq` resolves from it, and the API is its apps/api/dist. */
  readonly repositoryRoot: string;
}

/** One round's rates; the result's figures are medians over the rounds. */
export interface QueueBenchmarkRound {
  readonly single: number;
  readonly batch: number;
  /** Trials/s queued by 100-trial random sweeps, one request at a time. */
  readonly sweep: number;
  /** Median milliseconds of one 100-trial sweep's POST. */
  readonly sweepMs: number;
  readonly anchor: number | null;
}

export interface QueueBenchmarkResult {
  readonly jobs: number;
  readonly rounds: readonly QueueBenchmarkRound[];
  /** Medians over the rounds. Training jobs accepted per second through POST /v1/jobs. */
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
  /** Medians over the rounds: trials/s queued as SWEEP_TRIALS-trial sweeps, and one sweep's POST in ms. */
  readonly apiSweepTrialsPerSecond: number;
  readonly sweepTrials: number;
  readonly sweepSubmitMs: number;
  /** apiSweepTrialsPerSecond / bullmqAddsPerSecond. */
  readonly sweepRatio: number | null;
}

/** Jobs per batch request, as the anchor awaits its adds 100 at a time. */
const BATCH_SIZE = 100;
/** Batch requests in flight at once. */
const BATCH_CONCURRENCY = 4;
const TRAIN_JOB = { type: 'train', params: { epochs: 1, dataset: { limit: 1000 } } } as const;
/** Trials per sweep: a random search the size the sweeps issue asks to be scheduled in well under a second. */
const SWEEP_TRIALS = 100;
const SWEEP_JOB = {
  type: 'sweep',
  params: {
    base: { epochs: 1, dataset: { limit: 1000 } },
    method: 'random',
    trials: SWEEP_TRIALS,
    parameters: {
      'optimizer.learningRate': { distribution: 'log_uniform', min: 0.0001, max: 0.01 },
      batchSize: { distribution: 'int_uniform', min: 16, max: 128 },
    },
  },
} as const;

/**
 * One API process; each round submits `jobs` one per request in parallel rounds of 100 (as the
 * anchor awaits its adds), then BATCH_SIZE per `POST /v1/jobs:batch` with BATCH_CONCURRENCY in
 * flight, then runs the raw BullMQ anchor on the same Redis while the API idles.
 */
async function measureRounds(options: QueueBenchmarkOptions): Promise<QueueBenchmarkRound[]> {
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
      const sweepTimes: number[] = [];
      const submitSweep = async () => {
        const started = performance.now();
        await client.createJob(SWEEP_JOB);
        sweepTimes.push(performance.now() - started);
      };
      await Promise.all(Array.from({ length: 100 }, submitOne)); // warm-up
      await Promise.all(Array.from({ length: BATCH_CONCURRENCY }, submitBatch));
      await submitSweep();
      const rounds: QueueBenchmarkRound[] = [];
      for (let round = 0; round < options.rounds; round += 1) {
        const single = await rate(jobs, async (remaining) => {
          const sent = Math.min(100, remaining);
          await Promise.all(Array.from({ length: sent }, submitOne));
          return sent;
        });
        const batch = await rate(jobs, async (remaining) => {
          const requests = Math.min(BATCH_CONCURRENCY, Math.ceil(remaining / BATCH_SIZE));
          await Promise.all(Array.from({ length: requests }, submitBatch));
          return requests * BATCH_SIZE;
        });
        sweepTimes.length = 0;
        const sweep = await rate(jobs, async () => {
          await submitSweep();
          return SWEEP_TRIALS;
        });
        const sweepMs = median(sweepTimes);
        rounds.push({ single, batch, sweep, sweepMs, anchor: await measureAnchor(options) });
      }
      return rounds;
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
  const rounds = await measureRounds(options);
  const anchors = rounds.flatMap((round) => (round.anchor === null ? [] : [round.anchor]));
  const bullmqAddsPerSecond = anchors.length === 0 ? null : median(anchors);
  const apiSubmissionsPerSecond = median(rounds.map((round) => round.single));
  const apiBatchSubmissionsPerSecond = median(rounds.map((round) => round.batch));
  const apiSweepTrialsPerSecond = median(rounds.map((round) => round.sweep));
  const ratioTo = (perSecond: number) =>
    bullmqAddsPerSecond ? perSecond / bullmqAddsPerSecond : null;
  return {
    jobs: options.jobs,
    rounds,
    apiSubmissionsPerSecond,
    apiBatchSubmissionsPerSecond,
    batchSize: BATCH_SIZE,
    bullmqAddsPerSecond,
    ratio: ratioTo(apiSubmissionsPerSecond),
    batchRatio: ratioTo(apiBatchSubmissionsPerSecond),
    apiSweepTrialsPerSecond,
    sweepTrials: SWEEP_TRIALS,
    sweepSubmitMs: median(rounds.map((round) => round.sweepMs)),
    sweepRatio: ratioTo(apiSweepTrialsPerSecond),
  };
}
