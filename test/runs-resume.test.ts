import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection, removeQueuePrefix } from '@convoy/queue';
import { jobViewSchema, trainingResultSchema, type JobView } from '@convoy/schemas';
import { freePort } from './support/ports.js';
import {
  DATA_DIR,
  REDIS_URL,
  startApp,
  waitUntil,
  type RunningProcess,
} from './support/processes.js';

/**
 * Resume (issue #12, run management) with real processes: the API and a worker training on
 * wasm. A run cancelled mid-epoch 2 is resumed through POST /v1/jobs/:id/resume; the worker picks
 * it up under the same id from the checkpoint the cancel left, and the run completes every epoch.
 */
describe('resume a cancelled run with a real worker', () => {
  const prefix = `test-${randomUUID()}`;
  const token = `tok-${randomUUID()}`;
  let artifactsDir: string;
  let apiUrl: string;
  const processes: RunningProcess[] = [];

  const call = async (method: string, path: string, json?: unknown) => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(json === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
    return { status: response.status, body: (await response.json()) as unknown };
  };
  const view = async (id: string): Promise<JobView> =>
    jobViewSchema.parse((await call('GET', `/v1/jobs/${id}`)).body);

  beforeAll(async () => {
    artifactsDir = await mkdtemp(join(tmpdir(), 'convoy-runs-resume-'));
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    const env = { REDIS_URL, CONVOY_QUEUE_PREFIX: prefix, ARTIFACTS_DIR: artifactsDir };
    const api = startApp('api', {
      ...env,
      API_PORT: String(port),
      API_HOST: '127.0.0.1',
      API_TOKEN: token,
    });
    processes.push(api);
    await api.waitFor(/listening/);
    processes.push(
      startApp('worker', { ...env, DATA_DIR, CONVOY_BACKEND: 'wasm', WORKER_QUEUES: 'train' }),
    );
  });
  afterAll(async () => {
    await Promise.all(processes.map((process) => process.stop('SIGKILL')));
    const redis = createRedisConnection(REDIS_URL, 'blocking');
    await removeQueuePrefix(redis, prefix);
    await redis.quit();
    await rm(artifactsDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  it('continues from the cancel’s checkpoint under the same id and completes', async () => {
    const created = await call('POST', '/v1/jobs', {
      type: 'train',
      name: 'resumable',
      params: { epochs: 2, batchSize: 32, dataset: { limit: 1000 } },
    });
    expect(created.status).toBe(202);
    const { id } = created.body as { id: string };
    await waitUntil(
      async () => {
        const current = await view(id);
        return current.progress?.epoch === 2 && current.progress.batch > 2 ? current : undefined;
      },
      180_000,
      'the run to be inside epoch 2',
    );
    expect((await call('DELETE', `/v1/jobs/${id}`)).status).toBe(202);
    await waitUntil(
      async () => ((await view(id)).state === 'cancelled' ? true : undefined),
      60_000,
      'the cancel',
    );
    expect(existsSync(join(artifactsDir, id, 'checkpoint/state.json'))).toBe(true);

    const resumed = await call('POST', `/v1/jobs/${id}/resume`);
    expect(resumed.status).toBe(202);
    expect(resumed.body).toMatchObject({ id, state: 'waiting' });
    const done = await waitUntil(
      async () => {
        const current = await view(id);
        return current.state === 'completed' || current.state === 'failed' ? current : undefined;
      },
      180_000,
      'the resumed run to finish',
    );
    expect(done.state).toBe('completed');
    expect(done.name).toBe('resumable');
    expect(done.resumedAt).toBeDefined();
    const result = trainingResultSchema.parse(done.result);
    expect(result.history.map((record) => record.epoch)).toEqual([1, 2]);
    // Picked up from the checkpoint: epoch 1 was not trained again.
    expect(result.resumedFromEpoch).toBeGreaterThanOrEqual(1);
  }, 300_000);
});
