import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import type { GetObjectCommandOutput, S3Client, _Object } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { StorageUnavailableError } from './errors.js';

/** S3's largest DeleteObjects request, and its largest ListObjectsV2 page. */
export const MAX_KEYS_PER_REQUEST = 1000;
/** S3's smallest multipart part (but the last), which lib-storage's Upload enforces. */
export const MIN_MULTIPART_PART_SIZE = 5 * 1024 * 1024;

export interface S3ObjectsOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Bodies larger than this go up as a multipart upload, in parts of this size. */
  readonly multipartThreshold: number;
  readonly listPageSize: number;
  readonly deleteBatchSize: number;
}

/**
 * The few object operations the store needs, on one bucket, in the SDK's terms (S3 errors pass
 * through as the SDK throws them). Keys are full keys, prefix included.
 */
export class S3Objects {
  readonly #options: S3ObjectsOptions;

  constructor(options: S3ObjectsOptions) {
    this.#options = options;
  }

  /**
   * One PutObject, or one multipart upload that S3 makes visible only when it completes (a failed
   * one is aborted): either way readers see the old object or the new one.
   */
  async put(key: string, body: Uint8Array): Promise<void> {
    const { client, bucket, multipartThreshold } = this.#options;
    const input = { Bucket: bucket, Key: key, Body: body, ContentLength: body.byteLength };
    if (body.byteLength <= multipartThreshold) {
      await client.send(new PutObjectCommand(input));
      return;
    }
    await new Upload({ client, params: input, partSize: multipartThreshold }).done();
  }

  /** @throws the SDK's NoSuchKey when there is no object at `key` */
  /** The object, or bytes `range.start` to `range.end` (inclusive) of it. */
  async get(key: string, range?: { start: number; end: number }): Promise<GetObjectCommandOutput> {
    return this.#options.client.send(
      new GetObjectCommand({
        Bucket: this.#options.bucket,
        Key: key,
        ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
      }),
    );
  }

  /** The object's metadata, or undefined when there is none at `key`. */
  async head(key: string): Promise<{ size: number; modified: Date; etag?: string } | undefined> {
    try {
      const head = await this.#options.client.send(
        new HeadObjectCommand({ Bucket: this.#options.bucket, Key: key }),
      );
      return {
        size: head.ContentLength ?? 0,
        modified: head.LastModified ?? new Date(0),
        ...(head.ETag === undefined ? {} : { etag: head.ETag }),
      };
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw error;
    }
  }

  /** Every object whose key starts with `prefix`, in key order, page by page. */
  async *list(prefix: string): AsyncGenerator<_Object> {
    const { client, bucket, listPageSize } = this.#options;
    const pages = paginateListObjectsV2(
      { client, pageSize: listPageSize },
      { Bucket: bucket, Prefix: prefix },
    );
    for await (const page of pages) yield* page.Contents ?? [];
  }

  /** Whether any object's key starts with `prefix`. */
  async anyBelow(prefix: string): Promise<boolean> {
    const { client, bucket } = this.#options;
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }),
    );
    return (page.Contents ?? []).length > 0;
  }

  /** Deletes every object whose key starts with `prefix`, and the object at `exactKey` if given. */
  async deleteBelow(prefix: string, exactKey?: string): Promise<void> {
    const keys = exactKey === undefined ? [] : [exactKey];
    for await (const object of this.list(prefix)) if (object.Key) keys.push(object.Key);
    await this.deleteKeys(keys);
  }

  /** DeleteObjects in batches; keys that do not exist are fine. */
  async deleteKeys(keys: readonly string[]): Promise<void> {
    const { client, bucket, deleteBatchSize } = this.#options;
    for (let start = 0; start < keys.length; start += deleteBatchSize) {
      const batch = keys.slice(start, start + deleteBatchSize);
      const result = await client.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = result.Errors ?? [];
      const first = failed[0];
      if (first !== undefined) {
        // Named after S3's code, so that isUnavailable() sees an InternalError or a SlowDown.
        throw Object.assign(
          new Error(
            `could not delete ${failed.length} of ${batch.length} objects: ${first.Message}`,
          ),
          { name: first.Code ?? 'DeleteObjectsError' },
        );
      }
    }
  }
}

/** GetObject's NoSuchKey, or HeadObject's bodiless 404 (which the SDK names NotFound). */
export function isMissingObject(error: unknown): boolean {
  return error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound');
}

/** Errors of a connection that failed or broke, as Node and the SDK's HTTP handler name them. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** S3 error codes that mean "the service, not the request": try again later. */
const SERVER_ERROR_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'InternalError',
  'ServiceUnavailable',
  'SlowDown',
]);

/**
 * Whether S3 could not be reached or answered with a server error: what a caller should see as
 * "unavailable, try later", apart from a missing object or a refused request.
 */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (typeof status === 'number' && status >= 500) return true;
  const code = (error as { code?: unknown }).code;
  return (
    SERVER_ERROR_NAMES.has(error.name) ||
    (typeof code === 'string' && NETWORK_ERROR_CODES.has(code))
  );
}

/** Runs an S3 operation of a job; S3 unreachable (or a 5xx) becomes StorageUnavailableError. */
export async function guardUnavailable<T>(
  operation: string,
  jobId: string,
  path: string | undefined,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isUnavailable(error)) {
      throw new StorageUnavailableError(operation, jobId, path, { cause: error });
    }
    throw error;
  }
}
