import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker as Thread } from 'node:worker_threads';
import { ConvoyClient } from '@convoy/client';
import {
  createRedisConnection,
  JobQueues,
  removeQueuePrefix,
  type RedisConnection,
} from '@convoy/queue';
import type { TrainingReport } from '@convoy/schemas';
import { startApi, type BenchApi } from './api-process.js';
import { median } from './median.js';

export interface StreamsBenchmarkOptions {
  readonly redisUrl: string;
  /** Event streams opened at once on one job. */
  readonly streams: number;
  /** Bursts measured (medians reported). */
  readonly rounds: number;
  /** Finished epochs in each report of the steady phase (the report carries the whole history). */
  readonly historyEpochs: number;
  /** The built API to measure: `<checkout>/apps/api/dist/main.js`. */
  readonly apiEntry: string;
}

export interface LatencySummary {
  readonly samples: number;
  readonly p50Ms: number;
  readonly maxMs: number;
}

export interface StreamsBenchmarkResult {
  readonly streams: number;
  readonly rounds: number;
  /** The anchor: /healthz with no stream open, same API, same run. */
  readonly idleHealthz: LatencySummary;
  readonly burst: {
    /** Medians over the rounds: from the requests written until every stream had its first event. */
    readonly allOpenMs: number;
    /** /healthz while the streams open, every round's probes together. */
    readonly healthz: LatencySummary;
    /** The slowest /healthz of each round, median over the rounds. */
    readonly healthzMaxMsMedian: number;
    readonly apiCpuMsPerStream: number | null;
    readonly redisCommandsPerStream: number;
    /** Streams refused (not 200) in the last round; the caps are raised for the benchmark. */
    readonly refused: number;
  };
  readonly steady: {
    readonly historyEpochs: number;
    readonly reportsPerSecond: number;
    readonly healthz: LatencySummary;
    readonly apiCpuPercent: number | null;
  };
}

const REPORTS_PER_SECOND = 10;
const STEADY_SECONDS = 5;
const PROBE_PAUSE_MS = 20;

/**
 * `convoy bench streams`: what hundreds of Server-Sent Events streams cost the API. A burst of
 * `streams` streams opened at once on one job (timed until each has its first event; /healthz
 * probed meanwhile from a thread of its own; the API's CPU time and Redis commands per stream),
 * then all of them open while the job reports 10 times a second. The anchor is /healthz of the
 * same API with no stream open, in the same run. Redis commands are counted server-wide
 * (INFO commandstats): run it on a Redis nothing else is using.
 */
export async function benchmarkStreams(
  options: StreamsBenchmarkOptions,
): Promise<StreamsBenchmarkResult> {
  const prefix = `bench-${randomUUID()}`;
  const artifactsDir = await mkdtemp(join(tmpdir(), 'convoy-bench-streams-'));
  const redis = createRedisConnection(options.redisUrl, 'blocking');
  const caps = String(options.streams + 10);
  let api: BenchApi | undefined;
  let prober: Thread | undefined;
  try {
    api = await startApi(options.apiEntry, {
      REDIS_URL: options.redisUrl,
      CONVOY_QUEUE_PREFIX: prefix,
      ARTIFACTS_DIR: artifactsDir,
      LOG_LEVEL: 'warn',
      API_MAX_EVENT_STREAMS: caps,
      API_MAX_EVENT_STREAMS_PER_CLIENT: caps,
    });
    prober = new Thread(new URL('./healthz-prober.js', import.meta.url), {
      workerData: { url: api.url, pauseMs: PROBE_PAUSE_MS },
    });
    const client = new ConvoyClient({ baseUrl: api.url });
    const { id } = await client.createJob({ type: 'train', params: { epochs: 200 } });
    const context: RunContext = { api, prober, redis, jobId: id, options };
    const idleHealthz = summarize(await probeDuring(prober, () => sleep(2_000)));
    const rounds: BurstRound[] = [];
    let sockets: Socket[] = [];
    for (let round = 0; round < Math.max(1, options.rounds); round += 1) {
      destroyAll(sockets);
      if (round > 0) await sleep(500);
      const measured = await measureBurst(context);
      rounds.push(measured.round);
      sockets = measured.sockets;
    }
    const steady = await measureSteady(context, prefix, sockets);
    destroyAll(sockets);
    return {
      streams: options.streams,
      rounds: rounds.length,
      idleHealthz,
      burst: burstSummary(rounds, options.streams),
      steady,
    };
  } finally {
    await prober?.terminate();
    await api?.stop();
    await removeQueuePrefix(redis, prefix);
    await redis.quit();
    await rm(artifactsDir, { recursive: true, force: true });
  }
}

interface RunContext {
  readonly api: BenchApi;
  readonly prober: Thread;
  readonly redis: RedisConnection;
  readonly jobId: string;
  readonly options: StreamsBenchmarkOptions;
}

interface BurstRound {
  readonly allOpenMs: number;
  readonly healthz: readonly number[];
  readonly apiCpuMs: number | null;
  readonly redisCommands: number;
  readonly refused: number;
}

/** Connects every socket first, then writes all the requests at once: a burst. */
async function measureBurst(
  context: RunContext,
): Promise<{ round: BurstRound; sockets: Socket[] }> {
  const { api, prober, redis, jobId, options } = context;
  const port = Number(new URL(api.url).port);
  const sockets = await Promise.all(
    Array.from({ length: options.streams }, async () => {
      const socket = connect(port, '127.0.0.1');
      await once(socket, 'connect');
      return socket;
    }),
  );
  const opened = sockets.map(firstEvent);
  const request = `GET /v1/jobs/${jobId}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
  let allOpenMs = 0;
  const cpuBefore = cpuMs(api.pid);
  const commandsBefore = await redisCommands(redis);
  const healthz = await probeDuring(prober, async () => {
    const started = performance.now();
    for (const socket of sockets) socket.write(request);
    const statuses = await Promise.all(opened);
    allOpenMs = performance.now() - started;
    return statuses;
  });
  const cpuAfter = cpuMs(api.pid);
  // The INFO that reads the count is a command too.
  const redisCommandsUsed = (await redisCommands(redis)) - commandsBefore - 1;
  const statuses = await Promise.all(opened);
  return {
    round: {
      allOpenMs,
      healthz,
      apiCpuMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
      redisCommands: redisCommandsUsed,
      refused: statuses.filter((status) => status !== 200).length,
    },
    sockets,
  };
}

/** The `streams` open while the job reports `REPORTS_PER_SECOND` times a second. */
async function measureSteady(
  context: RunContext,
  prefix: string,
  sockets: readonly Socket[],
): Promise<StreamsBenchmarkResult['steady']> {
  const { api, prober, redis, jobId, options } = context;
  const queues = new JobQueues({ connection: redis, prefix });
  try {
    const job = await queues.find(jobId);
    if (job === undefined) throw new Error(`job ${jobId} is gone`);
    for (const socket of sockets) socket.resume(); // read and drop what the streams send
    let reporting = true;
    const reporter = (async () => {
      for (let batch = 1; reporting; batch += 1) {
        await job.updateProgress(report(options.historyEpochs, batch));
        await sleep(1_000 / REPORTS_PER_SECOND);
      }
    })();
    await sleep(1_000);
    const cpuBefore = cpuMs(api.pid);
    const healthz = await probeDuring(prober, () => sleep(STEADY_SECONDS * 1_000));
    const cpuAfter = cpuMs(api.pid);
    reporting = false;
    await reporter;
    return {
      historyEpochs: options.historyEpochs,
      reportsPerSecond: REPORTS_PER_SECOND,
      healthz: summarize(healthz),
      apiCpuPercent:
        cpuBefore === null || cpuAfter === null
          ? null
          : (100 * (cpuAfter - cpuBefore)) / (STEADY_SECONDS * 1_000),
    };
  } finally {
    await queues.close();
  }
}

/** A training report with `epochs` finished epochs, in the middle of the next one. */
function report(epochs: number, batch: number): TrainingReport {
  return {
    progress: { epoch: epochs + 1, epochs: 200, batch, batches: 1_000_000, percent: 50 },
    history: Array.from({ length: epochs }, (_, index) => ({
      epoch: index + 1,
      loss: 0.5,
      accuracy: 0.8,
      val_loss: 0.55,
      val_accuracy: 0.78,
      seconds: 10,
    })),
    backend: 'wasm',
    device: 'benchmark',
  };
}

/** Resolves with the response's status once the stream's first event arrived (or it closed). */
function firstEvent(socket: Socket): Promise<number> {
  return new Promise((resolve) => {
    let received = '';
    const onData = (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(received)?.[1] ?? 0);
      if (received.includes('\nevent: ') || (status !== 0 && status !== 200)) {
        socket.off('data', onData);
        resolve(status);
      }
    };
    socket.on('data', onData);
    socket.once('close', () => resolve(0));
  });
}

/** /healthz latencies (ms) measured by the prober thread while `work` runs. */
async function probeDuring<T>(prober: Thread, work: () => Promise<T>): Promise<number[]> {
  const samples = new Promise<number[]>((resolve) => prober.once('message', resolve));
  prober.postMessage('start');
  await sleep(50);
  await work();
  await sleep(200);
  prober.postMessage('stop');
  return samples;
}

/** CPU time (user + system) of a process in ms, from /proc (Linux, 100 ticks per second); null elsewhere. */
function cpuMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/** Commands Redis has executed since it started (every client's). */
async function redisCommands(redis: RedisConnection): Promise<number> {
  const info = await redis.info('commandstats');
  return [...info.matchAll(/calls=(\d+)/g)].reduce((total, match) => total + Number(match[1]), 0);
}

function destroyAll(sockets: readonly Socket[]): void {
  for (const socket of sockets) socket.destroy();
}

function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    p50Ms: round(sorted[Math.floor(sorted.length / 2)] ?? 0),
    maxMs: round(sorted.at(-1) ?? 0),
  };
}

function burstSummary(
  rounds: readonly BurstRound[],
  streams: number,
): StreamsBenchmarkResult['burst'] {
  const cpu = rounds.map((round) => round.apiCpuMs);
  return {
    allOpenMs: round(median(rounds.map((entry) => entry.allOpenMs))),
    healthz: summarize(rounds.flatMap((entry) => entry.healthz)),
    healthzMaxMsMedian: round(median(rounds.map((entry) => Math.max(0, ...entry.healthz)))),
    apiCpuMsPerStream: cpu.includes(null) ? null : round(median(cpu as number[]) / streams, 3),
    redisCommandsPerStream: round(median(rounds.map((entry) => entry.redisCommands)) / streams, 3),
    refused: rounds.at(-1)?.refused ?? 0,
  };
}

function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
