import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ArtifactStoreConfigError } from './artifacts-url.js';
import { createArtifactStore } from './create-artifact-store.js';
import { StorageUnavailableError } from './errors.js';
import { LocalArtifactStore } from './local-artifact-store.js';
import { S3ArtifactStore } from './s3-artifact-store.js';
import {
  S3RVER_CREDENTIALS,
  createBucket,
  createTestS3Client,
  startS3rver,
} from './s3rver.test-helper.js';
import type { RunningS3rver } from './s3rver.test-helper.js';

let sandbox: string;
let server: RunningS3rver;
let client: S3Client;

beforeAll(async () => {
  sandbox = await mkdtemp(join(tmpdir(), 'convoy-store-config-'));
  server = await startS3rver(join(sandbox, 's3rver'));
  client = createTestS3Client(server.endpoint);
  await createBucket(client, 'convoy');
});
afterAll(async () => {
  client?.destroy();
  await server?.stop();
  await rm(sandbox, { recursive: true, force: true });
});
afterEach(() => vi.unstubAllEnvs());

/**
 * The AWS SDK's default chain reads these (no credentials are passed in code); IMDS is off so
 * that a missing variable fails here instead of asking the network for an instance role.
 */
function stubAwsEnvironment(): void {
  vi.stubEnv('AWS_ACCESS_KEY_ID', S3RVER_CREDENTIALS.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', S3RVER_CREDENTIALS.secretAccessKey);
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
}

describe('createArtifactStore, local', () => {
  it('uses ARTIFACTS_DIR when there is no ARTIFACTS_URL, as before', async () => {
    const store = createArtifactStore({ artifactsDir: join(sandbox, 'from-dir') });
    expect(store).toBeInstanceOf(LocalArtifactStore);
    expect((store as LocalArtifactStore).rootDirectory).toBe(join(sandbox, 'from-dir'));
    await store.job('job-1').write('params.json', '{}');
    expect(await readFile(join(sandbox, 'from-dir', 'job-1', 'params.json'), 'utf8')).toBe('{}');
  });

  it('resolves a relative ARTIFACTS_DIR', () => {
    const store = createArtifactStore({ artifactsDir: './var/artifacts' });
    expect((store as LocalArtifactStore).rootDirectory).toBe(resolve('var/artifacts'));
  });

  it('uses the directory of a file:// ARTIFACTS_URL over ARTIFACTS_DIR', async () => {
    const directory = join(sandbox, 'from url');
    const store = createArtifactStore({
      artifactsUrl: pathToFileURL(directory).href,
      artifactsDir: join(sandbox, 'ignored'),
    });
    expect((store as LocalArtifactStore).rootDirectory).toBe(directory);
    await store.job('job-1').write('params.json', '{}');
    expect(await readFile(join(directory, 'job-1', 'params.json'), 'utf8')).toBe('{}');
  });

  it('needs ARTIFACTS_URL or ARTIFACTS_DIR', () => {
    expect(() => createArtifactStore({})).toThrow(ArtifactStoreConfigError);
    expect(() => createArtifactStore({ artifactsDir: '' })).toThrow(
      'set ARTIFACTS_URL or ARTIFACTS_DIR',
    );
  });
});

describe('createArtifactStore, S3', () => {
  it('writes to s3://bucket/prefix at S3_ENDPOINT, with credentials and region from the SDK chain', async () => {
    stubAwsEnvironment();
    const store = createArtifactStore({
      artifactsUrl: 's3://convoy/team-a/artifacts/',
      artifactsDir: join(sandbox, 'unused'),
      s3Endpoint: server.endpoint,
      s3ForcePathStyle: true,
    });
    expect(store).toBeInstanceOf(S3ArtifactStore);
    expect(store).toMatchObject({ bucket: 'convoy', prefix: 'team-a/artifacts' });

    await store.job('job-1').write('model/model.json', '{"format":"layers-model"}');
    const object = await client.send(
      new GetObjectCommand({ Bucket: 'convoy', Key: 'team-a/artifacts/job-1/model/model.json' }),
    );
    expect(await object.Body?.transformToString()).toBe('{"format":"layers-model"}');
    expect((await store.job('job-1').read('model/model.json')).toString()).toBe(
      '{"format":"layers-model"}',
    );
  });

  it('passes the store options through', async () => {
    stubAwsEnvironment();
    expect(() =>
      createArtifactStore({
        artifactsUrl: 's3://convoy',
        s3Endpoint: server.endpoint,
        s3Store: { listPageSize: 5000 },
      }),
    ).toThrow(/listPageSize/);
  });

  it('gives STORAGE_UNAVAILABLE, not a hang, when nothing listens at S3_ENDPOINT', async () => {
    stubAwsEnvironment();
    const store = createArtifactStore({
      artifactsUrl: 's3://convoy/artifacts',
      s3Endpoint: `http://127.0.0.1:${await freePort()}`,
      s3ForcePathStyle: true,
    });
    await expect(store.job('job-1').read('params.json')).rejects.toBeInstanceOf(
      StorageUnavailableError,
    );
  });

  it('close() ends the connections of the client it made', async () => {
    stubAwsEnvironment();
    // An S3 endpoint that finds every object (HEAD: 2 bytes) and counts its open connections.
    const open = new Set<Socket>();
    const endpoint = createHttpServer((_, response) =>
      response.writeHead(200, { 'content-length': '2', etag: '"e"' }).end(),
    );
    endpoint.on('connection', (socket: Socket) => {
      open.add(socket);
      socket.once('close', () => open.delete(socket));
    });
    await new Promise<void>((done) => endpoint.listen(0, '127.0.0.1', done));
    const { port } = endpoint.address() as AddressInfo;
    try {
      const store = createArtifactStore({
        artifactsUrl: 's3://convoy/artifacts',
        s3Endpoint: `http://127.0.0.1:${port}`,
        s3ForcePathStyle: true,
      });
      expect((await store.job('job-1').stat('params.json'))?.size).toBe(2);
      expect(open.size).toBe(1); // kept alive for the next request
      store.close();
      await vi.waitFor(() => expect(open.size).toBe(0));
    } finally {
      endpoint.closeAllConnections();
      await new Promise((done) => endpoint.close(done));
    }
  });

  it('explains a bad S3_ENDPOINT or ARTIFACTS_URL', () => {
    expect(() =>
      createArtifactStore({ artifactsUrl: 's3://convoy', s3Endpoint: 'minio:9000' }),
    ).toThrow('S3_ENDPOINT must be an http:// or https:// URL');
    expect(() => createArtifactStore({ artifactsUrl: 's3://Convoy' })).toThrow(
      /^ARTIFACTS_URL bucket "Convoy" is not a valid bucket name/,
    );
  });
});

/** A port of 127.0.0.1 that nothing listens on (it just did, and was closed). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const address = probe.address();
  await new Promise((done) => probe.close(done));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
