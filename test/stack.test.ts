import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection, removeQueuePrefix } from '@convoy/queue';
import {
  trainingResultSchema,
  VISUALIZATION_KINDS,
  visualizationJobResultSchema,
  visualizationManifestSchema,
} from '@convoy/schemas';
import { apiCalls } from './support/api-calls.js';
import { freePort } from './support/ports.js';
import {
  DATA_DIR,
  REDIS_URL,
  startApp,
  waitUntil,
  type RunningProcess,
} from './support/processes.js';
import { collectEvents } from './support/sse.js';

const TOKEN = `test-token-${randomUUID()}`;

describe('the stack: API process + two worker processes on real Redis', () => {
  const prefix = `test-${randomUUID()}`;
  let artifactsDir: string;
  let api: RunningProcess;
  let baseUrl: string;
  const workers: RunningProcess[] = [];
  const auth = { authorization: `Bearer ${TOKEN}` };
  let call: ReturnType<typeof apiCalls>['call'];
  let finished: ReturnType<typeof apiCalls>['finished'];

  beforeAll(async () => {
    artifactsDir = await mkdtemp(join(tmpdir(), 'convoy-stack-'));
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    ({ call, finished } = apiCalls(baseUrl, auth));
    const env = {
      REDIS_URL,
      CONVOY_QUEUE_PREFIX: prefix,
      ARTIFACTS_DIR: artifactsDir,
      DATA_DIR,
      API_TOKEN: TOKEN,
    };
    api = startApp('api', { ...env, API_PORT: String(port), API_HOST: '127.0.0.1' });
    for (let index = 0; index < 2; index += 1)
      workers.push(startApp('worker', { ...env, CONVOY_BACKEND: 'wasm' }));
    await waitUntil(
      async () => ((await fetch(`${baseUrl}/healthz`).catch(() => null))?.ok ? true : undefined),
      30_000,
      'the API',
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...workers, api].map((process) => process?.stop('SIGTERM')));
    // A connection with the offline queue, so commands wait for it to connect.
    const connection = createRedisConnection(REDIS_URL, 'blocking');
    await removeQueuePrefix(connection, prefix);
    await connection.quit();
    // Retries: a worker that was just stopped may still be finishing a write (ENOTEMPTY).
    await rm(artifactsDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  it('runs several training jobs on two workers, streams their events, then every kind of visualization', async () => {
    const submitted = await Promise.all(
      [1, 2, 3].map((seed) =>
        call<{ id: string; state: string }>('POST', '/v1/jobs', {
          type: 'train',
          params: { epochs: 2, seed, dataset: { limit: 640 } },
        }),
      ),
    );
    for (const response of submitted) expect(response.status).toBe(202);
    const [first] = submitted;
    const firstId = first?.body.id ?? '';
    const events = await collectEvents(
      `${baseUrl}/v1/jobs/${firstId}/events`,
      auth,
      (seen) => seen.some((event) => ['completed', 'failed'].includes(event.event ?? '')),
      240_000,
    );
    const names = events.map((event) => event.event);
    expect(names).toContain('progress');
    expect(names.filter((name) => name === 'epoch').length).toBeGreaterThanOrEqual(1);
    expect(names.at(-1)).toBe('completed');

    const jobs = await Promise.all(submitted.map((response) => finished(response.body.id)));
    for (const job of jobs) {
      expect(job.state, job.error?.message).toBe('completed');
      const result = trainingResultSchema.parse(job.result);
      expect(result.history.map((record) => record.epoch)).toEqual([1, 2]);
      expect(result.backend).toBe('wasm');
      expect([result.trainImages, result.validationImages]).toEqual([512, 128]);
      const { body } = await call<{ items: { path: string }[] }>(
        'GET',
        `/v1/jobs/${job.id}/artifacts`,
      );
      const paths = body.items.map((item) => item.path);
      for (const expected of [
        'params.json',
        'summary.json',
        'history.json',
        'model/model.json',
        'initial/model.json',
        'checkpoint/state.json',
      ]) {
        expect(paths).toContain(expected);
      }
    }
    // Both workers took part.
    await waitUntil(
      async () =>
        workers.every((worker) => worker.output.some((line) => line.includes('training started')))
          ? true
          : undefined,
      10_000,
      'both workers to train',
    );

    const visualizations = await Promise.all(
      VISUALIZATION_KINDS.map((kind) =>
        call<{ id: string }>('POST', '/v1/jobs', {
          type: 'visualize',
          params: { jobId: firstId, kind, ...(kind === 'feature-maps' ? { sample: 3 } : {}) },
        }),
      ),
    );
    for (const response of visualizations) expect(response.status).toBe(202);
    for (const [index, response] of visualizations.entries()) {
      const job = await finished(response.body.id, 120_000);
      expect(job.state, job.error?.message).toBe('completed');
      const result = visualizationJobResultSchema.parse(job.result);
      expect(result.manifest.kind).toBe(VISUALIZATION_KINDS[index]);
      const stored = JSON.parse(
        await readFile(join(artifactsDir, firstId, result.path, 'manifest.json'), 'utf8'),
      );
      expect(visualizationManifestSchema.parse(stored).cacheKey).toBe(result.cacheKey);
    }
    const featureMaps = await call<{ id: string }>('POST', '/v1/jobs', {
      type: 'visualize',
      params: { jobId: firstId, kind: 'feature-maps', sample: 3 },
    });
    const repeated = await finished(featureMaps.body.id);
    expect(repeated.state, repeated.error?.message).toBe('completed');
    const again = visualizationJobResultSchema.parse(repeated.result);
    expect(again.cached).toBe(true);
    expect(again.manifest.kind).toBe('feature-maps');
  }, 600_000);
});
