import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection, removeQueuePrefix } from '@convoy/queue';
import {
  trainingResultSchema,
  VISUALIZATION_KINDS,
  visualizationJobResultSchema,
} from '@convoy/schemas';
// The storage package's own s3rver launcher (a test helper, so not in its public API): the same
// S3-compatible server its tests use.
// eslint-disable-next-line no-restricted-imports
import {
  createBucket,
  createTestS3Client,
  S3RVER_CREDENTIALS,
  startS3rver,
  type RunningS3rver,
} from '../packages/storage/src/s3rver.test-helper.js';
import { apiCalls } from './support/api-calls.js';
import { freePort } from './support/ports.js';
import { REDIS_URL, startApp, waitUntil, type RunningProcess } from './support/processes.js';

describe('artifacts in an S3-compatible store: API and two workers share no disk', () => {
  const prefix = `test-${randomUUID()}`;
  const bucket = 'convoy-e2e';
  let s3: RunningS3rver;
  const scratch: string[] = [];
  /** The ARTIFACTS_DIR each process was given and must leave empty. */
  const unusedArtifactDirectories: string[] = [];
  let api: RunningProcess;
  const workers: RunningProcess[] = [];
  let calls: ReturnType<typeof apiCalls>;
  let baseUrl: string;

  /** A private, empty working directory for one process. */
  const privateDirectory = async (name: string) => {
    const directory = await mkdtemp(join(tmpdir(), `convoy-${name}-`));
    scratch.push(directory);
    return directory;
  };

  const unusedArtifactDirectory = async (name: string) => {
    const directory = await privateDirectory(name);
    unusedArtifactDirectories.push(directory);
    return directory;
  };

  beforeAll(async () => {
    s3 = await startS3rver(await privateDirectory('s3rver'));
    const client = createTestS3Client(s3.endpoint);
    await createBucket(client, bucket);
    client.destroy();
    const port = await freePort();
    const env = {
      REDIS_URL,
      CONVOY_QUEUE_PREFIX: prefix,
      ARTIFACTS_URL: `s3://${bucket}/${prefix}`,
      S3_ENDPOINT: s3.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    };
    // ARTIFACTS_DIR of each process is its own empty folder: nothing may be written there.
    api = startApp('api', {
      ...env,
      ARTIFACTS_DIR: await unusedArtifactDirectory('api'),
      API_PORT: String(port),
      API_HOST: '127.0.0.1',
    });
    for (const name of ['worker-a', 'worker-b']) {
      workers.push(
        startApp('worker', {
          ...env,
          ARTIFACTS_DIR: await unusedArtifactDirectory(name),
          DATA_DIR: await privateDirectory(`${name}-data`),
          CONVOY_BACKEND: 'wasm',
          TRAINING_THREADS: '1',
        }),
      );
    }
    baseUrl = `http://127.0.0.1:${port}`;
    calls = apiCalls(baseUrl);
    await waitUntil(
      async () => ((await fetch(`${baseUrl}/healthz`).catch(() => null))?.ok ? true : undefined),
      30_000,
      'the API',
    );
  }, 90_000);

  afterAll(async () => {
    await Promise.all([...workers, api].map((process) => process?.stop('SIGTERM')));
    await s3?.stop();
    const connection = createRedisConnection(REDIS_URL, 'blocking');
    await removeQueuePrefix(connection, prefix);
    await connection.quit();
    await Promise.all(
      scratch.map((directory) =>
        rm(directory, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }),
      ),
    );
  });

  it('trains, visualizes and serves every artifact from the store', async () => {
    const { call, finished } = calls;
    const submitted = await Promise.all(
      [1, 2].map((seed) =>
        call<{ id: string }>('POST', '/v1/jobs', {
          type: 'train',
          params: { epochs: 2, seed, dataset: { limit: 640 } },
        }),
      ),
    );
    for (const job of submitted) {
      const done = await finished(job.body.id);
      expect(done.state, done.error?.message).toBe('completed');
      expect(trainingResultSchema.parse(done.result).history.map((r) => r.epoch)).toEqual([1, 2]);
    }
    const first = submitted[0]?.body.id ?? '';
    for (const kind of VISUALIZATION_KINDS) {
      const created = await call<{ id: string }>('POST', '/v1/jobs', {
        type: 'visualize',
        params: { jobId: first, kind },
      });
      expect(created.status).toBe(202);
      const done = await finished(created.body.id, 120_000);
      expect(done.state, done.error?.message).toBe('completed');
      const { manifest } = visualizationJobResultSchema.parse(done.result);
      expect(manifest.kind).toBe(kind);
      // Freshness by the model's save (its S3 ETag), not by S3's whole-second times.
      expect(manifest.modelVersion).toMatch(/^"[0-9a-f]{32}"$/);
    }

    const listing = await call<{ items: { path: string }[] }>('GET', `/v1/jobs/${first}/artifacts`);
    const paths = listing.body.items.map((item) => item.path);
    for (const expected of [
      'params.json',
      'history.json',
      'model/model.json',
      'initial/model.json',
    ])
      expect(paths).toContain(expected);
    expect(paths.some((path) => path.startsWith('checkpoint/'))).toBe(true);
    expect(paths.filter((path) => path.endsWith('/manifest.json'))).toHaveLength(
      VISUALIZATION_KINDS.length,
    );
    const model = await fetch(`${baseUrl}/v1/jobs/${first}/artifacts/model/model.json`);
    expect(model.status).toBe(200);
    const etag = model.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/); // the object's own ETag, not a size-and-time tag
    const again = await fetch(`${baseUrl}/v1/jobs/${first}/artifacts/model/model.json`, {
      // fetch adds `Cache-Control: no-cache` to conditional requests unless one is given, and a
      // no-cache request is never answered from the cache.
      headers: { 'if-none-match': etag, 'cache-control': 'max-age=0' },
    });
    expect(again.status).toBe(304);
    const part = await fetch(`${baseUrl}/v1/jobs/${first}/artifacts/model/model.json`, {
      headers: { range: 'bytes=0-15' },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toMatch(/^bytes 0-15\/\d+$/);
    expect(await part.text()).toHaveLength(16);
    expect(((await model.json()) as { modelTopology?: unknown }).modelTopology).toBeDefined();

    // Nothing reached the processes' own folders: the store is the only place artifacts live.
    for (const directory of unusedArtifactDirectories) expect(await readdir(directory)).toEqual([]);
    expect(unusedArtifactDirectories).toHaveLength(3);
  }, 600_000);
});
