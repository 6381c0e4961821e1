/**
 * s3rver (an S3-compatible server from npm, a dev dependency) for tests and `convoy bench storage`:
 * not part of the store's API, so it has its own entry point, `@convoy/storage/s3rver`.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { S3ArtifactStore } from './s3-artifact-store.js';

/** s3rver's fixed account. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/**
 * Runs s3rver in a child process and prints its port. Its own process because s3rver's
 * continuation tokens (ListObjectsV2 pages) use DES, which OpenSSL 3 only offers with the legacy
 * provider; and a process can be stopped like a real server. It ends when its stdin closes, so it
 * never outlives the test process.
 *
 * One fix to s3rver 3.7.1: it deletes the keys of a DeleteObjects request in parallel, and its
 * clean-up of the folders that empties (S3 has no folders) then races itself into a 500. The
 * launcher makes its store delete one object at a time.
 */
const LAUNCHER = `
const S3rver = require('s3rver');
const FilesystemStore = require('s3rver/lib/stores/filesystem');
const deleteObject = FilesystemStore.prototype.deleteObject;
let deleting = Promise.resolve();
FilesystemStore.prototype.deleteObject = function (...args) {
  const deleted = deleting.then(() => deleteObject.apply(this, args));
  deleting = deleted.catch(() => {});
  return deleted;
};
const server = new S3rver({ address: '127.0.0.1', port: Number(process.argv[2] ?? 0), silent: true, directory: process.argv[1] });
server.run().then(({ port }) => process.stdout.write(JSON.stringify({ port }) + '\\n'));
process.stdin.on('close', () => process.exit(0)).resume();
`;

export interface RunningS3rver {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** Stops the server process; requests to `endpoint` are refused from then on. */
  stop(): Promise<void>;
}

/**
 * Starts s3rver on `port` of 127.0.0.1 (default: a free one), keeping its buckets in `directory`:
 * started again on the same port and directory, it is the same server back from an outage.
 */
export async function startS3rver(directory: string, port = 0): Promise<RunningS3rver> {
  const launch = ['--openssl-legacy-provider', '-e', LAUNCHER, directory, String(port)];
  const child = spawn(process.execPath, launch, {
    // Where `require('s3rver')` resolves: this package's dependencies.
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const listening = await new Promise<number>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const line = output.split('\n')[0];
      if (output.includes('\n') && line !== undefined)
        resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code} before listening`)));
  });
  return {
    endpoint: `http://127.0.0.1:${listening}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A store in a new bucket of the s3rver at `endpoint` (its account, path-style); close() it after. */
export async function createS3rverStore(
  endpoint: string,
  bucket: string,
  prefix?: string,
): Promise<S3ArtifactStore> {
  const client = new S3Client({
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: S3RVER_CREDENTIALS,
  });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return new S3ArtifactStore({
    client,
    bucket,
    ownsClient: true,
    ...(prefix === undefined ? {} : { prefix }),
  });
}
