import type { S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JobArtifacts } from './artifact-store.js';
import { InvalidArtifactPathError, StorageUnavailableError } from './errors.js';
import { LocalArtifactStore } from './local-artifact-store.js';
import { S3ArtifactStore } from './s3-artifact-store.js';
import {
  createBucket,
  createTestS3Client,
  startS3rver,
  type RunningS3rver,
} from './s3rver.test-helper.js';
import { applyUpload, UploadQueue, uploadSize, type ArtifactUpload } from './upload-queue.js';

let sandbox: string;
let jobs = 0;

beforeAll(async () => {
  sandbox = await mkdtemp(join(tmpdir(), 'convoy-uploads-'));
});
afterAll(async () => {
  await rm(sandbox, { recursive: true, force: true });
});

function localJob(): JobArtifacts {
  jobs += 1;
  return new LocalArtifactStore(join(sandbox, 'local')).job(`job-${jobs}`);
}

const checkpoint = (tag: string, bytes = 4): ArtifactUpload => ({
  writes: [
    { path: `checkpoint/model-${tag}.bin`, data: new Uint8Array(bytes).fill(1) },
    { path: `checkpoint/optimizer-${tag}.bin`, data: new Uint8Array(bytes).fill(2) },
    { path: 'checkpoint/state.json', data: JSON.stringify({ tag }) },
  ],
  prune: {
    directory: 'checkpoint',
    suffix: '.bin',
    keep: [`model-${tag}.bin`, `optimizer-${tag}.bin`],
  },
});

/** A job's artifacts whose writes wait until `release()`: the store is slow, not down. */
function heldWrites(inner: JobArtifacts) {
  let release = () => {};
  let held = new Promise<void>((resolve) => (release = resolve));
  const started: string[] = [];
  const artifacts: JobArtifacts = {
    jobId: inner.jobId,
    async write(path, data) {
      started.push(path);
      await held;
      await inner.write(path, data);
    },
    read: (path) => inner.read(path),
    open: (path, range) => inner.open(path, range),
    stat: (path) => inner.stat(path),
    list: (prefix) => inner.list(prefix),
    remove: (path) => inner.remove(path),
  };
  return {
    artifacts,
    started,
    release: () => {
      release();
      held = Promise.resolve();
    },
  };
}

describe('applyUpload', () => {
  it('writes the files, the last one last, then prunes stale files of the directory only', async () => {
    const artifacts = localJob();
    await applyUpload(artifacts, checkpoint('1'));
    await artifacts.write('checkpoint/nested/keep.bin', 'nested');
    await artifacts.write('checkpoint/notes.txt', 'other suffix');
    await applyUpload(artifacts, checkpoint('2'));
    const paths = (await artifacts.list('checkpoint')).map((info) => info.path);
    expect(paths).toEqual([
      'checkpoint/model-2.bin',
      'checkpoint/nested/keep.bin',
      'checkpoint/notes.txt',
      'checkpoint/optimizer-2.bin',
      'checkpoint/state.json',
    ]);
    expect(JSON.parse((await artifacts.read('checkpoint/state.json')).toString())).toEqual({
      tag: '2',
    });
  });

  it('counts the bytes of strings as UTF-8', () => {
    expect(
      uploadSize({
        writes: [
          { path: 'a', data: 'é' },
          { path: 'b', data: new Uint8Array(3) },
        ],
      }),
    ).toBe(5);
  });
});

describe('UploadQueue', () => {
  it('lands uploads in the order they were added while the caller goes on', async () => {
    const held = heldWrites(localJob());
    const queue = new UploadQueue(held.artifacts);
    await queue.add(checkpoint('1'));
    await queue.add(checkpoint('2'));
    // add() returned with nothing landed: the caller did not wait for the store.
    expect(await held.artifacts.stat('checkpoint/state.json')).toBeNull();
    expect(queue.pendingBytes).toBe(2 * uploadSize(checkpoint('1')));
    held.release();
    await queue.flush();
    expect(queue.pendingBytes).toBe(0);
    expect(held.started.filter((path) => path.endsWith('state.json'))).toHaveLength(2);
    expect(held.started.indexOf('checkpoint/model-2.bin')).toBeGreaterThan(
      held.started.lastIndexOf('checkpoint/model-1.bin'),
    );
    const state = await held.artifacts.read('checkpoint/state.json');
    expect(JSON.parse(state.toString())).toEqual({ tag: '2' });
  });

  it('makes add() wait while the pending bytes would pass the bound', async () => {
    const held = heldWrites(localJob());
    const size = uploadSize(checkpoint('1', 100));
    const queue = new UploadQueue(held.artifacts, { maxPendingBytes: size + 10 });
    await queue.add(checkpoint('1', 100));
    let accepted = false;
    const second = queue.add(checkpoint('2', 100)).then(() => (accepted = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(accepted).toBe(false);
    expect(queue.pendingBytes).toBe(size);
    held.release();
    await second;
    await queue.flush();
    expect(accepted).toBe(true);
  });

  it('lets one upload larger than the bound in when nothing else is pending', async () => {
    const queue = new UploadQueue(localJob(), { maxPendingBytes: 1 });
    await queue.add(checkpoint('1', 1000));
    await queue.flush();
    expect(queue.pendingBytes).toBe(0);
  });

  it('stops at an error no retry can fix, without retrying it, and drops what follows', async () => {
    const artifacts = localJob();
    await artifacts.write('history.json/inside', 'a directory where a file should go');
    const retries: number[] = [];
    const queue = new UploadQueue(artifacts, { onRetry: (_, attempt) => retries.push(attempt) });
    await queue.add({ writes: [{ path: 'history.json', data: '[]' }] });
    await expect(queue.flush()).rejects.toBeInstanceOf(InvalidArtifactPathError);
    await expect(queue.add(checkpoint('1'))).rejects.toBeInstanceOf(InvalidArtifactPathError);
    expect(retries).toEqual([]);
    expect(await artifacts.stat('checkpoint/state.json')).toBeNull();
  });
});

describe('UploadQueue on an S3 server that goes away', () => {
  const bucket = 'uploads';
  let server: RunningS3rver;
  let directory: string;
  let client: S3Client;
  let prefixes = 0;

  beforeAll(async () => {
    directory = join(sandbox, 's3rver');
    server = await startS3rver(directory);
    client = createTestS3Client(server.endpoint, {
      requestHandler: { connectionTimeout: 300, socketTimeout: 2_000 },
    });
    await createBucket(client, bucket);
  });
  afterEach(async () => {
    // A test that stopped the server brings it back on its port for the next one.
    server = await ensureRunning(server, directory);
  });
  afterAll(async () => {
    client?.destroy();
    await server?.stop();
  });

  function s3Job(): JobArtifacts {
    prefixes += 1;
    return new S3ArtifactStore({ client, bucket, prefix: `p${prefixes}` }).job('job');
  }

  it('retries with backoff through an outage and lands everything in order', async () => {
    const artifacts = s3Job();
    const retries: number[] = [];
    const queue = new UploadQueue(artifacts, {
      minRetryDelayMs: 50,
      maxRetryDelayMs: 400,
      onRetry: (error, attempt, delay) => {
        expect(error).toBeInstanceOf(StorageUnavailableError);
        retries.push(delay);
      },
    });
    await server.stop();
    await queue.add(checkpoint('1'));
    await queue.add(checkpoint('2'));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(retries.length).toBeGreaterThanOrEqual(3);
    // Backoff: the delays grow to the cap and never pass it.
    expect(retries[1]).toBeGreaterThan(retries[0] ?? Number.POSITIVE_INFINITY);
    expect(Math.max(...retries)).toBeLessThanOrEqual(400);
    server = await startS3rver(directory, Number(new URL(server.endpoint).port));
    await queue.flush();
    const paths = (await artifacts.list()).map((info) => info.path);
    expect(paths).toEqual([
      'checkpoint/model-2.bin',
      'checkpoint/optimizer-2.bin',
      'checkpoint/state.json',
    ]);
  });

  it('fails as unavailable (a transient error) when the outage outlasts the retries', async () => {
    const artifacts = s3Job();
    await applyUpload(artifacts, checkpoint('1'));
    const queue = new UploadQueue(artifacts, { retryForMs: 600, minRetryDelayMs: 50 });
    await server.stop();
    await queue.add(checkpoint('2'));
    await queue.add({ writes: [{ path: 'history.json', data: '[]' }] });
    const failure = await queue.flush().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StorageUnavailableError);
    expect((failure as { permanent?: boolean }).permanent).not.toBe(true);
    await expect(queue.add(checkpoint('3'))).rejects.toBe(failure);
    server = await ensureRunning(server, directory);
    // What landed before the outage is whole; nothing after the failure was written later.
    const state = JSON.parse((await artifacts.read('checkpoint/state.json')).toString());
    expect(state).toEqual({ tag: '1' });
    expect(await artifacts.stat('history.json')).toBeNull();
  });

  it('stops retrying at abort()', async () => {
    const queue = new UploadQueue(s3Job(), { minRetryDelayMs: 50 });
    await server.stop();
    await queue.add(checkpoint('1'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = performance.now();
    queue.abort(new Error('shutting down'));
    await expect(queue.flush()).rejects.toThrow('shutting down');
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

async function ensureRunning(server: RunningS3rver, directory: string): Promise<RunningS3rver> {
  const alive = await fetch(server.endpoint).then(
    () => true,
    () => false,
  );
  return alive ? server : startS3rver(directory, Number(new URL(server.endpoint).port));
}
