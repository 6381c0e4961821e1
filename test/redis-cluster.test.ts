import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection, removeQueuePrefix } from '@convoy/queue';
import { trainingResultSchema, visualizationJobResultSchema } from '@convoy/schemas';
import { apiCalls, type TestJobView } from './support/api-calls.js';
import { freePort } from './support/ports.js';
import { DATA_DIR, startApp, waitUntil, type RunningProcess } from './support/processes.js';
import { startRedisCluster, type LocalRedisCluster } from './support/redis-cluster.js';
import { collectEvents } from './support/sse.js';

describe('Redis Cluster: API and two workers on a real 3-master cluster', () => {
  // The hash tag keeps every key of the stack — both queues and Convoy's own — in one slot.
  const prefix = `test-{${randomUUID()}}`;
  let cluster: LocalRedisCluster;
  let artifactsDir: string;
  let api: RunningProcess;
  let baseUrl: string;
  const workers: RunningProcess[] = [];

  let call: ReturnType<typeof apiCalls>['call'];
  let finished: ReturnType<typeof apiCalls>['finished'];
  const train = (params: Record<string, unknown>) =>
    call<{ id: string }>('POST', '/v1/jobs', { type: 'train', params });

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    artifactsDir = await mkdtemp(join(tmpdir(), 'convoy-cluster-'));
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    ({ call, finished } = apiCalls(baseUrl));
    const env = {
      REDIS_CLUSTER_NODES: cluster.nodes,
      CONVOY_QUEUE_PREFIX: prefix,
      ARTIFACTS_DIR: artifactsDir,
      DATA_DIR,
    };
    api = startApp('api', { ...env, API_PORT: String(port), API_HOST: '127.0.0.1' });
    for (let index = 0; index < 2; index += 1)
      workers.push(startApp('worker', { ...env, CONVOY_BACKEND: 'wasm', TRAINING_THREADS: '1' }));
    await waitUntil(
      async () => ((await fetch(`${baseUrl}/healthz`).catch(() => null))?.ok ? true : undefined),
      30_000,
      'the API',
    );
  }, 90_000);

  afterAll(async () => {
    await Promise.all([...workers, api].map((process) => process?.stop('SIGTERM')));
    await cluster?.stop();
    await rm(artifactsDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  it('trains, streams events, visualizes, lists with cursors and cancels', async () => {
    const first = await train({ epochs: 2, seed: 1, dataset: { limit: 640 } });
    const second = await train({ epochs: 2, seed: 2, dataset: { limit: 640 } });
    expect([first.status, second.status]).toEqual([202, 202]);

    const events = await collectEvents(
      `${baseUrl}/v1/jobs/${first.body.id}/events`,
      {},
      (seen) => seen.some((event) => ['completed', 'failed'].includes(event.event ?? '')),
      240_000,
    );
    const names = events.map((event) => event.event);
    expect(names).toContain('progress');
    expect(names).toContain('epoch');
    expect(names.at(-1)).toBe('completed');
    for (const id of [first.body.id, second.body.id]) {
      const job = await finished(id);
      expect(job.state, job.error?.message).toBe('completed');
      expect(trainingResultSchema.parse(job.result).history.map((r) => r.epoch)).toEqual([1, 2]);
    }

    const visualize = await call<{ id: string }>('POST', '/v1/jobs', {
      type: 'visualize',
      params: { jobId: first.body.id, kind: 'feature-maps', sample: 3 },
    });
    expect(visualize.status).toBe(202);
    const visualized = await finished(visualize.body.id, 120_000);
    expect(visualized.state, visualized.error?.message).toBe('completed');
    expect(visualizationJobResultSchema.parse(visualized.result).manifest.kind).toBe(
      'feature-maps',
    );

    // A long job, cancelled while it runs: it stops at its next batch.
    const long = await train({ epochs: 30, seed: 3, dataset: { limit: 640 } });
    await waitUntil(
      async () =>
        (await call<TestJobView>('GET', `/v1/jobs/${long.body.id}`)).body.state === 'active'
          ? true
          : undefined,
      60_000,
      'the long job to start',
    );
    expect((await call('DELETE', `/v1/jobs/${long.body.id}`)).status).toBe(202);
    expect((await finished(long.body.id, 60_000)).state).toBe('cancelled');

    // Newest first, one per page, across both queues: the index's cursor walks all four jobs.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '' : `&cursor=${cursor}`;
      const page = await call<{ items: { id: string }[]; nextCursor: string | null }>(
        'GET',
        `/v1/jobs?limit=1${query}`,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((item) => item.id));
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual([long.body.id, visualize.body.id, second.body.id, first.body.id]);
    const trainOnly = await call<{ items: { id: string }[] }>('GET', '/v1/jobs?type=train');
    expect(trainOnly.body.items.map((item) => item.id)).toEqual([
      long.body.id,
      second.body.id,
      first.body.id,
    ]);

    // Every key of the stack sits in the prefix's slot on the cluster, and cleanup finds them all.
    const connection = createRedisConnection(
      {
        url: 'redis://127.0.0.1',
        clusterNodes: cluster.ports.map((port) => ({ host: '127.0.0.1', port })),
      },
      'blocking',
    );
    try {
      expect(await connection.zcard(`${prefix}:convoy:jobs:all`)).toBe(4);
      await removeQueuePrefix(connection, prefix);
      expect(await connection.exists(`${prefix}:convoy:jobs:all`)).toBe(0);
    } finally {
      connection.disconnect();
    }
  }, 600_000);
});
