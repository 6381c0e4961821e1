import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, createConfig, type Api, type ApiConfigInput } from '@convoy/api';
import { createHttpServer, serverLimitsOf } from '@convoy/http';
import { buildModel, saveModel, summarizeModel } from '@convoy/model';
import { createRedisConnection, removeQueuePrefix } from '@convoy/queue';
import { createArtifactStore, createLocalJobArtifacts, type ArtifactStore } from '@convoy/storage';
import { createS3rverStore, S3RVER_CREDENTIALS, startS3rver } from '@convoy/storage/s3rver';
import { REDIS_URL, startTestStack } from './support/dashboard-stack.js';

const run = promisify(execFile);
const token = `tok-${randomUUID()}`;
const scratch: string[] = [];

async function tempDir(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `convoy-model-archive-${name}-`));
  scratch.push(dir);
  return dir;
}

interface RunningApi {
  readonly url: string;
  readonly store: ArtifactStore;
  call(path: string): Promise<Response>;
  createTrainJob(): Promise<string>;
  stop(): Promise<void>;
}

/** A real API on a random port over the store `overrides` name (ARTIFACTS_DIR or an S3 URL). */
async function startApi(overrides: ApiConfigInput): Promise<RunningApi> {
  const prefix = `test-${randomUUID()}`;
  const config = createConfig({
    redisUrl: REDIS_URL,
    port: 0,
    queuePrefix: prefix,
    token,
    logLevel: 'silent',
    ...overrides,
  });
  const api: Api = await createApi(config);
  const server: Server = createHttpServer(api.app, serverLimitsOf(config));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('no address');
  const url = `http://127.0.0.1:${address.port}`;
  const store = createArtifactStore(config);
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${token}` } });
  return {
    url,
    store,
    call,
    async createTrainJob() {
      const response = await fetch(`${url}/v1/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'train', params: { epochs: 1 } }),
      });
      expect(response.status).toBe(202);
      return ((await response.json()) as { id: string }).id;
    },
    async stop() {
      store.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await api.close();
      const redis = createRedisConnection(REDIS_URL, 'blocking');
      await removeQueuePrefix(redis, prefix);
      await redis.quit();
    },
  };
}

/** Unpacks a tar with the system's tar (GNU tar), as a user would; returns the folder. */
async function unpack(archive: ArrayBuffer): Promise<string> {
  const dir = await tempDir('unpacked');
  const file = join(dir, 'model.tar');
  await writeFile(file, Buffer.from(archive));
  await run('tar', ['-xf', file, '-C', dir]);
  await rm(file);
  return dir;
}

/** tf.loadLayersModel over the unpacked model.json and the weight files it names. */
async function loadUnpacked(folder: string): Promise<tfl.LayersModel> {
  const modelJson = JSON.parse(await readFile(join(folder, 'model.json'), 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const buffers = await Promise.all(
    modelJson.weightsManifest.flatMap((group) =>
      group.paths.map((path) => readFile(join(folder, path))),
    ),
  );
  const weightData = new Uint8Array(Buffer.concat(buffers)).buffer;
  return tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights),
      weightData,
    }),
  );
}

const stores: [string, () => Promise<{ overrides: ApiConfigInput; stop(): Promise<void> }>][] = [
  [
    'local directory',
    async () => ({ overrides: { artifactsDir: await tempDir('store') }, stop: async () => {} }),
  ],
  [
    'S3 (s3rver)',
    async () => {
      const s3 = await startS3rver(await tempDir('s3rver'));
      const bucket = `archive-${randomUUID().slice(0, 8)}`;
      (await createS3rverStore(s3.endpoint, bucket)).close();
      // The API's S3 client reads its credentials as in production: from the environment.
      process.env.AWS_REGION = 'us-east-1';
      process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
      return {
        overrides: {
          artifactsUrl: `s3://${bucket}/convoy`,
          s3Endpoint: s3.endpoint,
          s3ForcePathStyle: 'true',
        },
        stop: () => s3.stop(),
      };
    },
  ],
];

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(async () => {
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe.each(stores)('GET /v1/jobs/:id/model.tar over the %s store', (_name, startStore) => {
  let running: RunningApi | undefined;
  let stopStore: (() => Promise<void>) | undefined;
  const api = {
    call: (path: string) => started().call(path),
    createTrainJob: () => started().createTrainJob(),
    get store() {
      return started().store;
    },
  };
  const started = () => {
    if (running === undefined) throw new Error('the API did not start');
    return running;
  };
  beforeAll(async () => {
    const store = await startStore();
    stopStore = store.stop;
    running = await startApi(store.overrides);
  });
  afterAll(async () => {
    await running?.stop();
    await stopStore?.();
  });

  it('streams model.json and its weights as one tar that loads and predicts as the original', async () => {
    const id = await api.createTrainJob();
    const model = buildModel({ preset: 'cnn' }, { seed: 5 });
    const untrained = buildModel({ preset: 'cnn' }, { seed: 6 });
    await saveModel(model, api.store.job(id), 'model');
    await saveModel(untrained, api.store.job(id), 'initial');

    const response = await api.call(`/v1/jobs/${id}/model.tar`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-tar');
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="${id}-model.tar"`,
    );
    const archive = await response.arrayBuffer();
    expect(Number(response.headers.get('content-length'))).toBe(archive.byteLength);
    const dir = await unpack(archive);
    const folder = join(dir, `${id}-model`);
    const files = (await readdir(folder)).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toBe('model.json');
    expect(files[1]).toMatch(/^weights-[0-9a-z]+\.bin$/);

    const loaded = await loadUnpacked(folder);
    const input = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 11);
    const expected = model.predict(input) as tf.Tensor;
    const actual = loaded.predict(input) as tf.Tensor;
    expect(Array.from(actual.dataSync())).toEqual(Array.from(expected.dataSync()));

    // ?weights=untrained: the model from before training, in a folder of its own.
    const initial = await api.call(`/v1/jobs/${id}/model.tar?weights=untrained`);
    expect(initial.headers.get('content-disposition')).toContain(`${id}-untrained-model.tar`);
    const initialModel = await loadUnpacked(
      join(await unpack(await initial.arrayBuffer()), `${id}-untrained-model`),
    );
    const fromInitial = initialModel.predict(input) as tf.Tensor;
    const untrainedOut = untrained.predict(input) as tf.Tensor;
    expect(Array.from(fromInitial.dataSync())).toEqual(Array.from(untrainedOut.dataSync()));
    tf.dispose([input, expected, actual, fromInitial, untrainedOut]);
    for (const m of [model, untrained, loaded, initialModel]) m.dispose();
  });

  it('answers 404 MODEL_NOT_FOUND for a job without a model, 400 for a bad query', async () => {
    const id = await api.createTrainJob();
    const missing = await api.call(`/v1/jobs/${id}/model.tar`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe(
      'MODEL_NOT_FOUND',
    );
    const bad = await api.call(`/v1/jobs/${id}/model.tar?weights=best`);
    expect(bad.status).toBe(400);
    expect((await api.call('/v1/jobs/train_nope/model.tar')).status).toBe(404);
  });
});

describe("the dashboard's job page", () => {
  it('links the archive, which downloads through its /api proxy', async () => {
    const stack = await startTestStack();
    try {
      const id = await stack.createTrainJob({ epochs: 1 });
      const model = buildModel({ preset: 'cnn' }, { seed: 7 });
      const artifacts = createLocalJobArtifacts(join(stack.artifactsDir, id));
      await saveModel(model, artifacts, 'model');
      await artifacts.write('summary.json', JSON.stringify(summarizeModel({ preset: 'cnn' })));
      model.dispose();
      const page = await (await fetch(`${stack.dashboardUrl}/jobs/${id}`)).text();
      const link = /<a href="([^"]+)" download id="model-archive"/.exec(page)?.[1];
      expect(link).toBe(`/api/jobs/${id}/model.tar`);
      const download = await fetch(`${stack.dashboardUrl}${link ?? ''}`);
      expect(download.status).toBe(200);
      expect(download.headers.get('content-disposition')).toBe(
        `attachment; filename="${id}-model.tar"`,
      );
      const files = (
        await readdir(join(await unpack(await download.arrayBuffer()), `${id}-model`))
      ).sort();
      expect(files[0]).toBe('model.json');
      expect(files).toHaveLength(2);
    } finally {
      await stack.stop();
    }
  });
});
