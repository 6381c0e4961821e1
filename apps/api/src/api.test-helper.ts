import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { Worker, type Job, type Processor } from 'bullmq';
import type { Redis } from 'ioredis';
import { expect } from 'vitest';
import { createHttpServer, serverLimitsOf } from '@convoy/http';
import { createRedisConnection, JobQueues, QUEUE_NAMES, type TrainJobData } from '@convoy/queue';
import {
  errorBodySchema,
  type JobType,
  type TrainingReport,
  type TrainingResult,
} from '@convoy/schemas';
import { createConfig, type ApiConfig, type ApiConfigInput } from './config.js';
import { createApi, type Api } from './create-api.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestApi {
  readonly baseUrl: string;
  readonly config: ApiConfig;
  readonly api: Api;
  readonly prefix: string;
  readonly artifactsDir: string;
  /** A producer on the same prefix, to look at what the API did. */
  readonly queues: JobQueues;
  readonly connection: Redis;
  /** fetch() relative to the API, with the token when the API has one. */
  request(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  /** A real BullMQ worker on the API's prefix (closed by stop()). */
  startWorker(type: JobType, processor: Processor): Promise<Worker>;
  /** Writes a file into the job's artifact directory, as a worker would. */
  writeArtifact(jobId: string, path: string, content: string | Uint8Array): Promise<string>;
  stop(): Promise<void>;
}

/**
 * The API on a random port of 127.0.0.1, with its own BullMQ prefix, a temporary ARTIFACTS_DIR
 * and silent logs. stop() closes everything, obliterates the queues and deletes the prefix's keys.
 */
export async function startTestApi(overrides: ApiConfigInput = {}): Promise<TestApi> {
  const prefix = `test-${randomUUID()}`;
  const artifactsDir = await mkdtemp(join(tmpdir(), 'convoy-api-test-'));
  const config = createConfig({
    redisUrl: REDIS_URL,
    port: 0,
    artifactsDir,
    queuePrefix: prefix,
    logLevel: 'silent',
    ...overrides,
  });
  const api = await createApi(config);
  const server = await listen(api, config);
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('no server address');
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const connection = createRedisConnection(REDIS_URL);
  const queues = new JobQueues({ connection, prefix });
  const workers: Worker[] = [];
  const workerConnections: Redis[] = [];

  return {
    baseUrl,
    config,
    api,
    prefix,
    artifactsDir,
    queues,
    connection,
    request(path, init = {}) {
      const { json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (config.token !== undefined && !headers.has('authorization')) {
        headers.set('authorization', `Bearer ${config.token}`);
      }
      if (json !== undefined) {
        headers.set('content-type', 'application/json');
        rest.body = JSON.stringify(json);
      }
      return fetch(`${baseUrl}${path}`, { ...rest, headers });
    },
    async startWorker(type, processor) {
      const workerConnection = createRedisConnection(REDIS_URL, 'blocking');
      workerConnections.push(workerConnection);
      const worker = new Worker(QUEUE_NAMES[type], processor, {
        connection: workerConnection,
        prefix,
        concurrency: 1,
      });
      workers.push(worker);
      await worker.waitUntilReady();
      return worker;
    },
    async writeArtifact(jobId, path, content) {
      const file = join(artifactsDir, jobId, ...path.split('/'));
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, content);
      return file;
    },
    async stop() {
      await Promise.all(workers.map((worker) => worker.close(true)));
      for (const workerConnection of workerConnections) workerConnection.disconnect();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await api.close();
      await Promise.all([
        queues.train.obliterate({ force: true }),
        queues.visualize.obliterate({ force: true }),
      ]);
      await queues.close();
      const keys = await connection.keys(`${prefix}:*`);
      if (keys.length > 0) await connection.del(...keys);
      await connection.quit();
      // Retries: a worker that was just stopped may still be finishing a write (ENOTEMPTY).
      await rm(artifactsDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}

/** As main.ts serves it: Convoy's server limits, on a random port of 127.0.0.1. */
async function listen(api: Api, config: ApiConfig): Promise<Server> {
  const server = createHttpServer(api.app, serverLimitsOf(config));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** Asserts a JSON error response: the status, `{ error: { code, message } }`, and the code. */
export async function expectError(
  response: Response,
  status: number,
  code?: string,
): Promise<{ code: string; message: string; details?: { path: string; message: string }[] }> {
  const text = await response.text();
  expect(response.status, `${response.url}: ${text}`).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = errorBodySchema.parse(JSON.parse(text));
  expect(body.error.message.length).toBeGreaterThan(0);
  if (code !== undefined) expect(body.error.code).toBe(code);
  return body.error;
}

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

export interface ServerSentEvent {
  readonly event: string;
  readonly data: unknown;
  /** The event's `id:` line, if it had one. */
  readonly id?: string | undefined;
}

/**
 * Reads an SSE response body, parsing `event:` and `data:` lines, calling `onEvent` for each
 * event, until the server ends the stream or `stopWhen` returns true (then it cancels the body).
 */
export async function readEvents(
  response: Response,
  stopWhen: (event: ServerSentEvent, all: ServerSentEvent[]) => boolean = () => false,
  onEvent: (event: ServerSentEvent) => void = () => undefined,
): Promise<{ events: ServerSentEvent[]; ended: boolean }> {
  if (response.body === null) throw new Error('no body');
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const events: ServerSentEvent[] = [];
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return { events, ended: true };
    buffer += decoder.decode(value, { stream: true });
    let boundary: number;
    while ((boundary = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      let event = 'message';
      let id: string | undefined;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
        else if (line.startsWith('id:')) id = line.slice(3).trim();
      }
      if (data.length === 0) continue; // comments (heartbeats) and retry hints
      const parsed = { event, id, data: JSON.parse(data.join('\n')) as unknown };
      events.push(parsed);
      onEvent(parsed);
      if (stopWhen(parsed, events)) {
        await reader.cancel();
        return { events, ended: false };
      }
    }
  }
}

/** Options of a PNG built in tests: 8-bit, any colour type, correct CRCs unless told otherwise. */
export interface PngOptions {
  readonly width?: number;
  readonly height?: number;
  /** 0 gray, 2 RGB, 4 gray + alpha, 6 RGBA. */
  readonly colorType?: 0 | 2 | 4 | 6;
  readonly corruptCrc?: boolean;
  readonly truncate?: number;
}

const CHANNELS = { 0: 1, 2: 3, 4: 2, 6: 4 } as const;

/** A PNG built by hand with zlib and CRC32, to test uploads without an image library. */
export function buildPng(options: PngOptions = {}): Buffer {
  const width = options.width ?? 28;
  const height = options.height ?? 28;
  const colorType = options.colorType ?? 0;
  const channels = CHANNELS[colorType];
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, colorType, 0, 0, 0], 8);
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y += 1) {
    const row = Buffer.alloc(1 + width * channels);
    for (let x = 0; x < width * channels; x += 1) row[1 + x] = (x * 7 + y * 13) % 256;
    rows.push(row);
  }
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE((crc32(typed) ^ (options.corruptCrc && type === 'IDAT' ? 1 : 0)) >>> 0);
    return Buffer.concat([length, typed, crc]);
  };
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
  return options.truncate === undefined ? png : png.subarray(0, options.truncate);
}

/** A TrainingReport after `epochs` finished epochs of `total`, as the worker stores it. */
export function trainingReport(epochs: number, total: number, batch = 10): TrainingReport {
  return {
    progress: {
      epoch: Math.min(epochs + 1, total),
      epochs: total,
      batch,
      batches: 10,
      percent: Math.min(100, ((epochs * 10 + batch) / (total * 10)) * 100),
      loss: 0.5,
      accuracy: 0.8,
    },
    history: Array.from({ length: epochs }, (_, index) => ({
      epoch: index + 1,
      loss: 0.6 - index * 0.1,
      accuracy: 0.7 + index * 0.05,
      val_loss: 0.65 - index * 0.1,
      val_accuracy: 0.68 + index * 0.05,
      seconds: 1.5,
    })),
    backend: 'wasm',
    device: 'cpu',
  };
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
    history: trainingReport(epochs, epochs).history,
    trainImages: 960,
    validationImages: 240,
    imagesPerSecond: 412.5,
    seconds: 3,
  };
}

export type TrainJob = Job<TrainJobData>;
