// The object store goes away while a job trains. With the default retry window the worker's
// upload queue rides out a 20 s outage and the job completes in its first attempt; with a short
// window the job fails as a transient error and its next attempt resumes from the last checkpoint
// that landed. Either way no artifact is half-written, and the API answers 503 meanwhile.
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection, removeQueuePrefix } from '@convoy/queue';
import { trainingResultSchema } from '@convoy/schemas';
// eslint-disable-next-line no-restricted-imports
import {
  createBucket,
  createTestS3Client,
  S3RVER_CREDENTIALS,
  startS3rver,
  type RunningS3rver,
} from '../packages/storage/src/s3rver.test-helper.js';
import { apiCalls, type TestJobView } from './support/api-calls.js';
import { freePort } from './support/ports.js';
import { REDIS_URL, startApp, waitUntil, type RunningProcess } from './support/processes.js';

const OUTAGE_MS = 20_000;
const bucket = 'convoy-outage';

interface WeightsManifest {
  weightsManifest: { paths: string[]; weights: { shape: number[]; dtype: string }[] }[];
}

describe('the object store down mid-training', () => {
  const prefix = `test-${randomUUID()}`;
  const scratch: string[] = [];
  let s3: RunningS3rver;
  let s3Directory: string;
  let client: S3Client;
  let api: RunningProcess;
  let calls: ReturnType<typeof apiCalls>;
  let baseUrl: string;
  let env: Record<string, string>;

  const privateDirectory = async (name: string) => {
    const directory = await mkdtemp(join(tmpdir(), `convoy-${name}-`));
    scratch.push(directory);
    return directory;
  };
  const startWorker = async (name: string, extra: Record<string, string> = {}) =>
    startApp('worker', {
      ...env,
      DATA_DIR: await privateDirectory(`${name}-data`),
      CONVOY_BACKEND: 'wasm',
      TRAINING_THREADS: '1',
      ...extra,
    });
  const restartS3 = async () => {
    s3 = await startS3rver(s3Directory, Number(new URL(s3.endpoint).port));
  };
  /** The epoch of the job's checkpoint in the bucket (read past the API), or 0 without one. */
  const checkpointEpoch = async (jobId: string): Promise<number> => {
    const key = `${prefix}/${jobId}/checkpoint/state.json`;
    const object = await client
      .send(new GetObjectCommand({ Bucket: bucket, Key: key }))
      .catch(() => null);
    const text = await object?.Body?.transformToString();
    return text ? (JSON.parse(text) as { epoch: number }).epoch : 0;
  };

  beforeAll(async () => {
    s3Directory = await privateDirectory('s3rver');
    s3 = await startS3rver(s3Directory);
    client = createTestS3Client(s3.endpoint);
    await createBucket(client, bucket);
    const port = await freePort();
    env = {
      REDIS_URL,
      CONVOY_QUEUE_PREFIX: prefix,
      ARTIFACTS_URL: `s3://${bucket}/${prefix}`,
      S3_ENDPOINT: s3.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    };
    api = startApp('api', { ...env, API_PORT: String(port), API_HOST: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${port}`;
    calls = apiCalls(baseUrl);
    await waitUntil(
      async () => ((await fetch(`${baseUrl}/healthz`).catch(() => null))?.ok ? true : undefined),
      30_000,
      'the API',
    );
  }, 60_000);

  afterAll(async () => {
    await api?.stop('SIGTERM');
    client?.destroy();
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

  const submit = async () => {
    const created = await calls.call<{ id: string }>('POST', '/v1/jobs', {
      type: 'train',
      params: { epochs: 3, dataset: { limit: 1280 } },
    });
    expect(created.status).toBe(202);
    return created.body.id;
  };

  /** Every model.json and the checkpoint point at files that are there, whole. */
  const expectWholeArtifacts = async (jobId: string) => {
    const read = (path: string) => fetch(`${baseUrl}/v1/jobs/${jobId}/artifacts/${path}`);
    for (const directory of ['initial', 'model']) {
      const model = (await (await read(`${directory}/model.json`)).json()) as WeightsManifest;
      for (const group of model.weightsManifest) {
        const expected = group.weights.reduce(
          (sum, spec) => sum + 4 * spec.shape.reduce((a, b) => a * b, 1),
          0,
        );
        const weights = await Promise.all(
          group.paths.map(async (path) =>
            (await read(`${directory}/${path.slice(2)}`)).arrayBuffer(),
          ),
        );
        expect(weights.reduce((sum, bytes) => sum + bytes.byteLength, 0)).toBe(expected);
      }
    }
    const state = (await (await read('checkpoint/state.json')).json()) as {
      epoch: number;
      model: { file: string };
      optimizer: { file: string };
    };
    expect(state.epoch).toBe(3);
    for (const file of [state.model.file, state.optimizer.file])
      expect((await read(`checkpoint/${file}`)).status).toBe(200);
    const history = (await (await read('history.json')).json()) as { epoch: number }[];
    expect(history.map((record) => record.epoch)).toEqual([1, 2, 3]);
  };

  it(`rides out a ${OUTAGE_MS / 1000} s outage: the job completes in one attempt, the API answers 503 meanwhile`, async () => {
    const worker = await startWorker('patient');
    try {
      const id = await submit();
      await waitUntil(
        async () => ((await checkpointEpoch(id)) >= 1 ? true : undefined),
        120_000,
        'a checkpoint',
      );
      await s3.stop();
      const outageStarted = Date.now();
      const listing = await fetch(`${baseUrl}/v1/jobs/${id}/artifacts`);
      expect(listing.status).toBe(503);
      expect(((await listing.json()) as { error: { code: string } }).error.code).toBe(
        'STORAGE_UNAVAILABLE',
      );
      expect((await fetch(`${baseUrl}/v1/jobs/${id}/artifacts/model/model.json`)).status).toBe(503);
      // The job itself lives in Redis: its status still answers.
      expect((await calls.call<TestJobView>('GET', `/v1/jobs/${id}`)).status).toBe(200);
      await worker.waitFor(/artifact upload retrying/, OUTAGE_MS);
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS - (Date.now() - outageStarted)));
      await restartS3();

      const done = await calls.finished(id, 180_000);
      expect(done.state, done.error?.message).toBe('completed');
      expect((done as TestJobView & { attempts: number }).attempts).toBe(1);
      const result = trainingResultSchema.parse(done.result);
      expect(result.history.map((record) => record.epoch)).toEqual([1, 2, 3]);
      await expectWholeArtifacts(id);
    } finally {
      await worker.stop('SIGTERM');
    }
  }, 300_000);

  it('fails transiently when the outage outlasts the retries, and resumes from the last checkpoint that landed', async () => {
    const worker = await startWorker('impatient', { WORKER_UPLOAD_RETRY_MS: '1000' });
    try {
      const id = await submit();
      await waitUntil(
        async () => ((await checkpointEpoch(id)) >= 1 ? true : undefined),
        120_000,
        'a checkpoint',
      );
      await s3.stop();
      // The upload gives up after 1 s; the queue's backoff (5 s) brings the job back after S3 is up.
      await worker.waitFor(/training failed; the queue will retry/, 60_000);
      await restartS3();

      const done = await calls.finished(id, 180_000);
      expect(done.state, done.error?.message).toBe('completed');
      expect((done as TestJobView & { attempts: number }).attempts).toBe(2);
      const result = trainingResultSchema.parse(done.result);
      expect(result.resumedFromEpoch).toBeGreaterThanOrEqual(1);
      expect(result.history.map((record) => record.epoch)).toEqual([1, 2, 3]);
      expect(worker.output.some((line) => line.includes('artifact storage is unavailable'))).toBe(
        true,
      );
      await expectWholeArtifacts(id);
    } finally {
      await worker.stop('SIGTERM');
    }
  }, 300_000);
});
