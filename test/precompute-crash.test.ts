import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visualizationCacheKey } from '@convoy/core';
import { createRedisConnection, removeQueuePrefix } from '@convoy/queue';
import { trainingResultSchema, type JobView } from '@convoy/schemas';
import { freePort } from './support/ports.js';
import {
  DATA_DIR,
  REDIS_URL,
  startApp,
  waitUntil,
  type RunningProcess,
} from './support/processes.js';

/**
 * A worker killed (SIGKILL) while it precomputes a finished job's visualizations: the job is not
 * lost and does not fail. Another worker takes it over from the final checkpoint, trains no further
 * epoch, precomputes, and completes it with the history the first worker trained.
 */

const TOKEN = `test-token-${randomUUID()}`;

describe('a crash during the precompute', () => {
  const prefix = `test-${randomUUID()}`;
  let artifactsDir: string;
  let apiUrl: string;
  const processes: RunningProcess[] = [];
  let env: Record<string, string>;

  const callApi = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (await response.json()) as T;
  };

  beforeAll(async () => {
    artifactsDir = await mkdtemp(join(tmpdir(), 'convoy-precompute-crash-'));
    const apiPort = await freePort();
    apiUrl = `http://127.0.0.1:${apiPort}`;
    env = {
      REDIS_URL,
      CONVOY_QUEUE_PREFIX: prefix,
      ARTIFACTS_DIR: artifactsDir,
      DATA_DIR,
      API_TOKEN: TOKEN,
    };
    processes.push(startApp('api', { ...env, API_PORT: String(apiPort), API_HOST: '127.0.0.1' }));
    await waitUntil(
      async () => ((await fetch(`${apiUrl}/healthz`).catch(() => null))?.ok ? true : undefined),
      30_000,
      'the API',
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(processes.map((process) => process.stop('SIGKILL')));
    const connection = createRedisConnection(REDIS_URL, 'blocking');
    await removeQueuePrefix(connection, prefix);
    await connection.quit();
    await rm(artifactsDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  it('neither fails nor loses the job: another worker completes it without training more', async () => {
    // A short lock, so the stalled job is handed over in seconds.
    const workerEnv = {
      ...env,
      CONVOY_BACKEND: 'wasm',
      WORKER_PRECOMPUTE: 'all',
      WORKER_QUEUES: 'train',
      WORKER_LOCK_DURATION_MS: '4000',
      WORKER_STALLED_INTERVAL_MS: '2000',
    };
    const first = startApp('worker', workerEnv);
    processes.push(first);
    const { id } = await callApi<{ id: string }>('POST', '/v1/jobs', {
      type: 'train',
      params: { epochs: 2, seed: 5, dataset: { limit: 600 } },
    });
    const precomputing = await waitUntil(
      async () => {
        const view = await callApi<JobView>('GET', `/v1/jobs/${id}`);
        if (view.state === 'completed' || view.state === 'failed')
          throw new Error(`the job ${view.state} before the precompute was seen`);
        return view.stage === 'precomputing-visualizations' ? view : undefined;
      },
      240_000,
      'the precompute stage',
    );
    first.child.kill('SIGKILL');
    await first.exited;
    expect(precomputing.history.map((record) => record.epoch)).toEqual([1, 2]);

    processes.push(startApp('worker', workerEnv));
    const done = await waitUntil(
      async () => {
        const view = await callApi<JobView>('GET', `/v1/jobs/${id}`);
        return view.state === 'completed' || view.state === 'failed' ? view : undefined;
      },
      240_000,
      'the job to finish on the second worker',
    );
    expect(done.state, done.error?.message).toBe('completed');
    const result = trainingResultSchema.parse(done.result);
    // The same two epochs, not a third and not trained again.
    expect(result.history).toEqual(precomputing.history);
    expect(result.resumedFromEpoch).toBe(2);
    // The second worker precomputed before completing, the confusion matrix included.
    const stored = await readdir(join(artifactsDir, id, 'visualizations'));
    expect(stored).toContain(
      visualizationCacheKey({ jobId: id, kind: 'confusion-matrix', weights: 'trained' }),
    );
  }, 600_000);
});
