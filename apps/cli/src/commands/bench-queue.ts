import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { createApi, createConfig } from '@convoy/api';
import { createRedisConnection, removeQueuePrefix } from '@convoy/queue';

export interface QueueBenchmarkOptions {
  readonly redisUrl: string;
  readonly jobs: number;
  /** Directory holding bullmq_anchor.mjs; skipped when absent. */
  readonly anchorsDir: string;
  /** Where `bullmq` resolves from (the repository root). */
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

/** Submits `jobs` through an in-process API in parallel batches of 100, as the anchor adds them. */
async function measureApi(redisUrl: string, jobs: number): Promise<number> {
  const prefix = `bench-${randomUUID()}`;
  const artifactsDir = await mkdtemp(join(tmpdir(), 'convoy-bench-'));
  const api = await createApi(
    createConfig({ redisUrl, queuePrefix: prefix, artifactsDir, logLevel: 'silent' }),
  );
  const server = api.app.listen(0, '127.0.0.1');
  await new Promise((done) => server.once('listening', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/jobs`;
  const body = JSON.stringify({ type: 'train', params: { epochs: 1, dataset: { limit: 1000 } } });
  const submit = async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    if (response.status !== 202)
      throw new Error(`submission failed with ${response.status}: ${await response.text()}`);
  };
  try {
    await Promise.all(Array.from({ length: 100 }, submit)); // warm-up
    const started = performance.now();
    for (let sent = 0; sent < jobs; sent += 100)
      await Promise.all(Array.from({ length: Math.min(100, jobs - sent) }, submit));
    return jobs / ((performance.now() - started) / 1000);
  } finally {
    await new Promise((done) => server.close(done));
    await api.close();
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
  const apiSubmissionsPerSecond = await measureApi(options.redisUrl, options.jobs);
  const bullmqAddsPerSecond = await measureAnchor(options);
  return {
    jobs: options.jobs,
    apiSubmissionsPerSecond,
    bullmqAddsPerSecond,
    ratio: bullmqAddsPerSecond ? apiSubmissionsPerSecond / bullmqAddsPerSecond : null,
  };
}
