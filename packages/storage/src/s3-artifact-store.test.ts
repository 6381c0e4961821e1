import { PutObjectCommand, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeArtifactStoreConformance } from './artifact-store-conformance.test-helper.js';
import {
  ArtifactNotFoundError,
  InvalidArtifactPathError,
  StorageUnavailableError,
} from './errors.js';
import { S3ArtifactStore } from './s3-artifact-store.js';
import type { S3ArtifactStoreOptions } from './s3-artifact-store.js';
import { MIN_MULTIPART_PART_SIZE } from './s3-objects.js';
import { createBucket, createTestS3Client, startS3rver } from './s3rver.test-helper.js';
import type { RunningS3rver } from './s3rver.test-helper.js';

const BUCKET = 'convoy-test';

let sandbox: string;
let server: RunningS3rver;
let client: S3Client;
/** Each store gets a prefix of its own in the one bucket, so every test starts empty. */
let stores = 0;

beforeAll(async () => {
  sandbox = await mkdtemp(join(tmpdir(), 'convoy-s3-'));
  server = await startS3rver(join(sandbox, 's3rver'));
  client = createTestS3Client(server.endpoint);
  await createBucket(client, BUCKET);
});
afterAll(async () => {
  client?.destroy();
  await server?.stop();
  await rm(sandbox, { recursive: true, force: true });
});

function createStore(options: Partial<S3ArtifactStoreOptions> = {}): {
  store: S3ArtifactStore;
  prefix: string;
} {
  stores += 1;
  const prefix = `convoy/artifacts-${stores}`;
  return { store: new S3ArtifactStore({ client, bucket: BUCKET, prefix, ...options }), prefix };
}

/** Every key that starts with `prefix`, read from the bucket, not through the store. */
async function keysBelow(prefix: string, bucket = BUCKET): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix })) {
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
  }
  return keys.sort();
}

async function putRaw(key: string, body = 'x'): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

/** A client of the same server that records the name of every command it sends. */
function createRecordingClient(endpoint = server.endpoint): { client: S3Client; sent: string[] } {
  const recording = createTestS3Client(endpoint);
  const sent: string[] = [];
  recording.middlewareStack.add(
    (next, context) => (args) => {
      sent.push((context.commandName ?? '?').replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  return { client: recording, sent };
}

const countOf = (sent: readonly string[], command: string) =>
  sent.filter((name) => name === command).length;

describeArtifactStoreConformance('S3ArtifactStore', async () => {
  const { store, prefix } = createStore();
  return {
    store,
    reportsEtags: true,
    // Keys, and the "directories" (parent prefixes) they imply, as the local store's tree.
    async storedNames(below = '') {
      const base = below === '' ? `${prefix}/` : `${prefix}/${below}/`;
      const names = new Set<string>();
      for (const key of await keysBelow(base)) {
        const segments = key.slice(base.length).split('/');
        segments.forEach((_, index) => names.add(segments.slice(0, index + 1).join('/')));
      }
      return [...names].sort();
    },
    dispose: async () => {},
  };
});

describe('S3ArtifactStore keys', () => {
  it('puts every object at <prefix>/<jobId>/<path> and nowhere else', async () => {
    const { store, prefix } = createStore();
    await store.job('job-1').write('params.json', '{}');
    await store.job('job-1').write('model/model.json', '{}');
    await store.job('job-2').write('history.json', '[]');
    expect(await keysBelow(`${prefix}/`)).toEqual([
      `${prefix}/job-1/model/model.json`,
      `${prefix}/job-1/params.json`,
      `${prefix}/job-2/history.json`,
    ]);
    // Another prefix in the same bucket is another store.
    const other = createStore();
    expect(await other.store.job('job-1').list()).toEqual([]);
    await expect(other.store.job('job-1').read('params.json')).rejects.toBeInstanceOf(
      ArtifactNotFoundError,
    );
  });

  it('uses the bucket root when the prefix is empty', async () => {
    const bucket = 'convoy-root';
    await createBucket(client, bucket);
    const store = new S3ArtifactStore({ client, bucket });
    await store.job('job-1').write('model/model.json', '{}');
    expect(await keysBelow('', bucket)).toEqual(['job-1/model/model.json']);
    await store.removeJob('job-1');
    expect(await keysBelow('', bucket)).toEqual([]);
  });

  it('refuses a prefix or option that would make odd keys', () => {
    for (const prefix of ['/convoy', 'convoy/', 'a//b', '../x', 'a b']) {
      expect(() => new S3ArtifactStore({ client, bucket: BUCKET, prefix })).toThrow(RangeError);
    }
    expect(() => new S3ArtifactStore({ client, bucket: '' })).toThrow(RangeError);
    expect(
      () => new S3ArtifactStore({ client, bucket: BUCKET, multipartThreshold: 1024 * 1024 }),
    ).toThrow(/multipartThreshold/);
    expect(() => new S3ArtifactStore({ client, bucket: BUCKET, listPageSize: 0 })).toThrow(
      /listPageSize/,
    );
    expect(() => new S3ArtifactStore({ client, bucket: BUCKET, deleteBatchSize: 1001 })).toThrow(
      /deleteBatchSize/,
    );
  });

  it('lists only keys an artifact path could address', async () => {
    const { store, prefix } = createStore();
    const job = store.job('job-1');
    await job.write('model/model.json', '{}');
    const jobPrefix = `${prefix}/job-1/`;
    for (const name of [
      'bad name.txt',
      'é.json',
      'model/', // a "folder" marker, as consoles create them
      '~convoy-123-abcdef.tmp',
      'a/b/c/d/e/f/g/h/too-deep',
    ]) {
      await putRaw(jobPrefix + name);
    }
    expect((await job.list()).map((entry) => entry.path)).toEqual(['model/model.json']);
  });

  it("reports S3's ETag, which changes with the bytes within one second; modified has whole seconds", async () => {
    const job = createStore().store.job('job-1');
    await job.write('model/model.json', 'version-1');
    const first = await job.stat('model/model.json');
    await job.write('model/model.json', 'version-2');
    const second = await job.stat('model/model.json');
    expect(first?.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(second?.etag).not.toBe(first?.etag);
    expect(second?.modified.getMilliseconds()).toBe(0);
    expect((await job.open('model/model.json')).info.etag).toBe(second?.etag);
    expect((await job.list('model'))[0]?.etag).toBe(second?.etag);
  });
});

describe('S3ArtifactStore uploads', () => {
  let recording: ReturnType<typeof createRecordingClient>;
  afterEach(() => recording.client.destroy());

  it('uploads a body above the multipart threshold in parts, and one at the threshold whole', async () => {
    recording = createRecordingClient();
    const store = new S3ArtifactStore({
      client: recording.client,
      bucket: BUCKET,
      prefix: createStore().prefix,
      multipartThreshold: MIN_MULTIPART_PART_SIZE,
    });
    const job = store.job('job-1');
    const large = randomBytes(MIN_MULTIPART_PART_SIZE + 123_457);
    await job.write('model/group1-shard1of1.bin', large);
    expect(countOf(recording.sent, 'CreateMultipartUpload')).toBe(1);
    expect(countOf(recording.sent, 'UploadPart')).toBe(2);
    expect(countOf(recording.sent, 'CompleteMultipartUpload')).toBe(1);
    expect(countOf(recording.sent, 'PutObject')).toBe(0);

    expect((await job.read('model/group1-shard1of1.bin')).equals(large)).toBe(true);
    const { stream, info } = await job.open('model/group1-shard1of1.bin');
    expect(info.size).toBe(large.length);
    expect((await buffer(stream)).equals(large)).toBe(true);

    recording.sent.length = 0;
    const atThreshold = randomBytes(MIN_MULTIPART_PART_SIZE);
    await job.write('model/at-threshold.bin', atThreshold);
    expect(countOf(recording.sent, 'PutObject')).toBe(1);
    expect(countOf(recording.sent, 'CreateMultipartUpload')).toBe(0);
    expect((await job.read('model/at-threshold.bin')).equals(atThreshold)).toBe(true);
  });

  it('writes a small file as one PutObject', async () => {
    recording = createRecordingClient();
    const store = new S3ArtifactStore({
      client: recording.client,
      bucket: BUCKET,
      prefix: createStore().prefix,
    });
    await store.job('job-1').write('history.json', '[]');
    expect(countOf(recording.sent, 'PutObject')).toBe(1);
    expect(recording.sent).not.toContain('CreateMultipartUpload');
  });
});

describe('S3ArtifactStore pages and batches', () => {
  let recording: ReturnType<typeof createRecordingClient>;
  afterEach(() => recording.client.destroy());

  function createSmallPagedStore() {
    recording = createRecordingClient();
    return new S3ArtifactStore({
      client: recording.client,
      bucket: BUCKET,
      prefix: createStore().prefix,
      listPageSize: 2,
      deleteBatchSize: 2,
    });
  }

  it('lists more than one page, in path order', async () => {
    const job = createSmallPagedStore().job('job-1');
    const paths = ['params.json', 'model/model.json', 'model/w.bin', 'history.json', 'a/b/c'];
    for (const path of paths) await job.write(path, path);
    recording.sent.length = 0;
    const listed = await job.list();
    expect(listed.map((entry) => entry.path)).toEqual([...paths].sort());
    expect(countOf(recording.sent, 'ListObjectsV2')).toBe(3);
    expect((await job.list('model')).map((entry) => entry.path)).toEqual([
      'model/model.json',
      'model/w.bin',
    ]);
  });

  it('removes a directory in batches, leaving no key below it, and keeps its neighbours', async () => {
    const store = createSmallPagedStore();
    const job = store.job('job-1');
    const keyOf = (path: string) => `${store.prefix}/job-1/${path}`;
    for (const index of [0, 1, 2, 3, 4]) await job.write(`visualizations/k1/t${index}.f32`, 'x');
    await job.write('visualizations/k1/manifest.json', '{}');
    await job.write('visualizations/k10/manifest.json', '{}');
    await putRaw(keyOf('visualizations/k1/not an artifact path'));

    recording.sent.length = 0;
    await job.remove('visualizations/k1');
    expect(await keysBelow(keyOf('visualizations/k1/'))).toEqual([]);
    expect(await keysBelow(keyOf('visualizations/'))).toEqual([
      keyOf('visualizations/k10/manifest.json'),
    ]);
    // The directory's 7 keys and the path itself, 2 per request.
    expect(countOf(recording.sent, 'DeleteObjects')).toBe(4);

    await job.write('params.json', '{}');
    await store.removeJob('job-1');
    expect(await keysBelow(keyOf(''))).toEqual([]);
  });
});

describe('S3ArtifactStore when S3 is unavailable', () => {
  const operations = (store: S3ArtifactStore) => {
    const job = store.job('job-1');
    return {
      write: () => job.write('params.json', '{}'),
      read: () => job.read('params.json'),
      open: () => job.open('params.json'),
      stat: () => job.stat('params.json'),
      list: () => job.list(),
      listPrefix: () => job.list('model'),
      remove: () => job.remove('model'),
      removeJob: () => store.removeJob('job-1'),
    };
  };

  async function expectEveryOperationUnavailable(store: S3ArtifactStore): Promise<void> {
    for (const [name, operation] of Object.entries(operations(store))) {
      const started = performance.now();
      const error = await operation().then(
        () => new Error(`${name} succeeded`),
        (caught: unknown) => caught,
      );
      expect(error, name).toBeInstanceOf(StorageUnavailableError);
      expect(error, name).toMatchObject({ code: 'STORAGE_UNAVAILABLE', jobId: 'job-1' });
      expect(performance.now() - started, name).toBeLessThan(5_000);
    }
    // Bad input is still bad input, whatever the state of S3.
    await expect(store.job('job-1').read('../x')).rejects.toBeInstanceOf(InvalidArtifactPathError);
  }

  let downClient: S3Client | undefined;
  let stub: Server | undefined;
  afterEach(async () => {
    downClient?.destroy();
    downClient = undefined;
    stub?.closeAllConnections();
    if (stub) await new Promise((resolve) => stub?.close(resolve));
    stub = undefined;
  });

  it('a stopped server: every operation fails fast with STORAGE_UNAVAILABLE, not not-found', async () => {
    const stopping = await startS3rver(join(sandbox, 's3rver-stopped'));
    downClient = createTestS3Client(stopping.endpoint);
    await createBucket(downClient, BUCKET);
    const store = new S3ArtifactStore({ client: downClient, bucket: BUCKET, prefix: 'convoy' });
    await store.job('job-1').write('params.json', '{}');
    await stopping.stop();

    await expectEveryOperationUnavailable(store);
    const error = await store
      .job('job-1')
      .read('params.json')
      .catch((caught: unknown) => caught);
    expect(error).not.toBeInstanceOf(ArtifactNotFoundError);
    expect((error as Error).message).toBe(
      'artifact storage is unavailable: read "params.json" of job "job-1" failed',
    );
  });

  it('a server that answers 503', async () => {
    stub = createServer((_request, response) => response.writeHead(503).end());
    const endpoint = await listen(stub);
    downClient = createTestS3Client(endpoint);
    await expectEveryOperationUnavailable(
      new S3ArtifactStore({ client: downClient, bucket: BUCKET, prefix: 'convoy' }),
    );
  });

  it('a server that never answers: the socket timeout ends the wait', async () => {
    stub = createServer(() => {}); // reads the request, never answers
    const endpoint = await listen(stub);
    downClient = createTestS3Client(endpoint, { requestHandler: { socketTimeout: 200 } });
    await expectEveryOperationUnavailable(
      new S3ArtifactStore({ client: downClient, bucket: BUCKET, prefix: 'convoy' }),
    );
  });
});

async function listen(httpServer: Server): Promise<string> {
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const address = httpServer.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}
