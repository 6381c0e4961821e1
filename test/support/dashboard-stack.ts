import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Worker, type Processor } from 'bullmq';
import type { Express } from 'express';
import { createApi, createConfig as createApiConfig, type Api } from '@convoy/api';
import { createHttpServer, serverLimitsOf, type ServerLimits } from '@convoy/http';
import { createRedisConnection, QUEUE_NAMES, removeQueuePrefix } from '@convoy/queue';
import type { EpochRecord, JobType, ModelSummary, TrainingResult } from '@convoy/schemas';
import {
  createConfig,
  createDashboard,
  type Dashboard,
  type DashboardConfigInput,
} from '@convoy/dashboard';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestStack {
  /** The dashboard's base URL (what a browser would open). */
  readonly dashboardUrl: string;
  /** The API's base URL (behind the dashboard). */
  readonly apiUrl: string;
  readonly token: string;
  readonly prefix: string;
  readonly artifactsDir: string;
  readonly dashboard: Dashboard;
  /** fetch() straight to the API, with the token. */
  callApi(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  /** A real BullMQ worker on the stack's prefix (closed by stop()). */
  startWorker(type: JobType, processor: Processor): Promise<Worker>;
  /** Writes a file into a job's artifact directory, as a worker would. */
  writeArtifact(
    jobId: string,
    path: string,
    content: string | Uint8Array,
    mtime?: Date,
  ): Promise<void>;
  /** Submits a training job through the API and returns its id. */
  createTrainJob(params?: Record<string, unknown>): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A real API (createApi on a unique BullMQ prefix, temporary ARTIFACTS_DIR, a random token) and
 * the dashboard in front of it, both on random ports of 127.0.0.1. stop() closes both, the workers
 * started, and deletes the prefix's Redis keys and the artifacts.
 */
export async function startTestStack(overrides: DashboardConfigInput = {}): Promise<TestStack> {
  const prefix = `test-${randomUUID()}`;
  const token = `tok-${randomUUID()}`;
  const artifactsDir = await mkdtemp(join(tmpdir(), 'convoy-dashboard-test-'));
  const apiConfig = createApiConfig({
    redisUrl: REDIS_URL,
    port: 0,
    artifactsDir,
    queuePrefix: prefix,
    token,
    logLevel: 'silent',
    sseHeartbeatMs: 1_000,
  });
  const api: Api = await createApi(apiConfig);
  const apiServer = await listen(api.app, serverLimitsOf(apiConfig));
  const apiUrl = urlOf(apiServer);
  const dashboardConfig = createConfig({
    apiUrl,
    apiToken: token,
    artifactsDir,
    logLevel: 'silent',
    visualizationWaitMs: 300,
    ...overrides,
  });
  const dashboard = createDashboard(dashboardConfig);
  const dashboardServer = await listen(dashboard.app, serverLimitsOf(dashboardConfig));
  const workers: Worker[] = [];
  const connections: ReturnType<typeof createRedisConnection>[] = [];

  const callApi = (path: string, init: RequestInit & { json?: unknown } = {}) => {
    const { json, ...rest } = init;
    const headers = new Headers(rest.headers);
    headers.set('authorization', `Bearer ${token}`);
    if (json !== undefined) {
      headers.set('content-type', 'application/json');
      rest.body = JSON.stringify(json);
    }
    return fetch(`${apiUrl}${path}`, { ...rest, headers });
  };

  return {
    dashboardUrl: urlOf(dashboardServer),
    apiUrl,
    token,
    prefix,
    artifactsDir,
    dashboard,
    callApi,
    async startWorker(type, processor) {
      const connection = createRedisConnection(REDIS_URL, 'blocking');
      connections.push(connection);
      const worker = new Worker(QUEUE_NAMES[type], processor, { connection, prefix });
      workers.push(worker);
      await worker.waitUntilReady();
      return worker;
    },
    async writeArtifact(jobId, path, content, mtime) {
      const file = join(artifactsDir, jobId, ...path.split('/'));
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, content);
      if (mtime !== undefined) await utimes(file, mtime, mtime);
    },
    async createTrainJob(params = { epochs: 2 }) {
      const response = await callApi('/v1/jobs', {
        method: 'POST',
        json: { type: 'train', params },
      });
      if (response.status !== 202) throw new Error(`POST /v1/jobs: ${response.status}`);
      return ((await response.json()) as { id: string }).id;
    },
    async stop() {
      await Promise.all(workers.map((worker) => worker.close(true)));
      for (const connection of connections) connection.disconnect();
      await dashboard.close();
      for (const server of [dashboardServer, apiServer]) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      await api.close();
      const redis = createRedisConnection(REDIS_URL, 'blocking');
      await removeQueuePrefix(redis, prefix);
      await redis.quit();
      // Retries: a worker that was just stopped may still be finishing a write (ENOTEMPTY).
      await rm(artifactsDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}

/** As main.ts serves an app: Convoy's server limits, on a random port of 127.0.0.1. */
function listen(app: Express, limits: ServerLimits): Promise<Server> {
  const server = createHttpServer(app, limits);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function urlOf(server: Server): string {
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('no server address');
  return `http://127.0.0.1:${address.port}`;
}

/** Polls until `probe` returns something other than undefined. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function history(epochs: number): EpochRecord[] {
  return Array.from({ length: epochs }, (_, index) => ({
    epoch: index + 1,
    loss: 0.6 - index * 0.1,
    accuracy: 0.7 + index * 0.05,
    val_loss: 0.65 - index * 0.1,
    val_accuracy: 0.68 + index * 0.05,
    seconds: 1.5,
  }));
}

export function trainingResult(epochs: number): TrainingResult {
  return {
    backend: 'wasm',
    device: 'cpu',
    epochsRun: epochs,
    stoppedEarly: false,
    bestEpoch: epochs,
    best: { monitor: 'val_loss', value: 0.45 },
    restoredBestWeights: false,
    history: history(epochs),
    trainImages: 512,
    validationImages: 128,
    imagesPerSecond: 400,
    seconds: 3,
  };
}

/** The seed's `cnn` as summary.json holds it (333,526 params). */
export const CNN_SUMMARY: ModelSummary = {
  modelName: 'sequential',
  layers: [
    { name: 'conv2d', className: 'Conv2D', outputShape: [null, 28, 28, 32], params: 320 },
    {
      name: 'max_pooling2d',
      className: 'MaxPooling2D',
      outputShape: [null, 14, 14, 32],
      params: 0,
    },
    { name: 'conv2d_1', className: 'Conv2D', outputShape: [null, 14, 14, 64], params: 18496 },
    {
      name: 'max_pooling2d_1',
      className: 'MaxPooling2D',
      outputShape: [null, 7, 7, 64],
      params: 0,
    },
    { name: 'flatten', className: 'Flatten', outputShape: [null, 3136], params: 0 },
    { name: 'dense', className: 'Dense', outputShape: [null, 100], params: 313700 },
    { name: 'dropout', className: 'Dropout', outputShape: [null, 100], params: 0 },
    { name: 'dense_1', className: 'Dense', outputShape: [null, 10], params: 1010 },
  ],
  totalParams: 333526,
  trainableParams: 333526,
  nonTrainableParams: 0,
};

/** Raw little-endian float32, as visualization tensors are stored. */
export function float32File(values: ArrayLike<number>): Buffer {
  const buffer = Buffer.alloc(values.length * 4);
  for (let index = 0; index < values.length; index += 1) {
    buffer.writeFloatLE(values[index] ?? 0, index * 4);
  }
  return buffer;
}

/** `count` deterministic values in [-0.5, 0.5) and their min, max, mean and std. */
export function tensorValues(count: number, seed = 1) {
  const values = Float32Array.from(
    { length: count },
    (_, index) => (((index * 37 + seed * 11) % 100) - 50) / 100,
  );
  const mean = values.reduce((total, value) => total + value, 0) / count;
  const std = Math.sqrt(values.reduce((total, value) => total + (value - mean) ** 2, 0) / count);
  return { values, min: Math.min(...values), max: Math.max(...values), mean, std };
}
