import type { S3Client } from '@aws-sdk/client-s3';
import type { ArtifactStore, JobArtifacts } from './artifact-store.js';
import { assertValidJobId, isValidKeyPrefix } from './artifact-path.js';
import { S3JobArtifacts } from './s3-job-artifacts.js';
import {
  MAX_KEYS_PER_REQUEST,
  MIN_MULTIPART_PART_SIZE,
  S3Objects,
  guardUnavailable,
} from './s3-objects.js';

export interface S3ArtifactStoreOptions {
  /** The client to use (endpoint, region, credentials, timeouts). */
  readonly client: S3Client;
  /** close() destroys the client (its sockets): for a client made for this store alone. */
  readonly ownsClient?: boolean;
  readonly bucket: string;
  /** Key prefix below which the jobs' folders live (`convoy/artifacts`); default: the bucket's root. */
  readonly prefix?: string;
  /**
   * Bodies larger than this many bytes go up as a multipart upload, in parts of this size;
   * smaller ones as one PutObject. At least 5 MiB (S3's smallest part); default 16 MiB.
   */
  readonly multipartThreshold?: number;
  /** Keys per ListObjectsV2 page, 1–1000; default 1000. */
  readonly listPageSize?: number;
  /** Keys per DeleteObjects request, 1–1000; default 1000. */
  readonly deleteBatchSize?: number;
}

export const DEFAULT_MULTIPART_THRESHOLD = 16 * 1024 * 1024;

/**
 * Artifacts in an S3-compatible bucket (AWS S3, MinIO, R2, Ceph…), one object per file at
 * `<prefix>/<jobId>/<path>`, for processes on several hosts with no shared disk. Job ids and
 * paths follow the local store's rules and errors; S3 that cannot be reached, or that answers
 * with a server error, gives StorageUnavailableError.
 */
export class S3ArtifactStore implements ArtifactStore {
  readonly bucket: string;
  readonly prefix: string;
  readonly #objects: S3Objects;
  readonly #ownedClient: S3Client | undefined;

  constructor(options: S3ArtifactStoreOptions) {
    const prefix = options.prefix ?? '';
    if (options.bucket === '') throw new RangeError('S3ArtifactStore needs a bucket');
    if (!isValidKeyPrefix(prefix)) {
      throw new RangeError(
        `S3ArtifactStore prefix ${JSON.stringify(prefix)} must be /-separated segments of [A-Za-z0-9._-]`,
      );
    }
    this.bucket = options.bucket;
    this.prefix = prefix;
    this.#ownedClient = options.ownsClient ? options.client : undefined;
    this.#objects = new S3Objects({
      client: options.client,
      bucket: options.bucket,
      multipartThreshold: wholeNumberWithin(
        'multipartThreshold',
        options.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD,
        MIN_MULTIPART_PART_SIZE,
        Number.MAX_SAFE_INTEGER,
      ),
      listPageSize: wholeNumberWithin(
        'listPageSize',
        options.listPageSize ?? MAX_KEYS_PER_REQUEST,
        1,
      ),
      deleteBatchSize: wholeNumberWithin(
        'deleteBatchSize',
        options.deleteBatchSize ?? MAX_KEYS_PER_REQUEST,
        1,
      ),
    });
  }

  /** @throws InvalidArtifactPathError for ids that are not safe directory names */
  job(jobId: string): JobArtifacts {
    assertValidJobId(jobId);
    return new S3JobArtifacts(jobId, this.#objects, this.#jobKeyPrefix(jobId));
  }

  /** Deletes every object of the job, in batches; an absent job is fine. */
  async removeJob(jobId: string): Promise<void> {
    assertValidJobId(jobId);
    await guardUnavailable('remove', jobId, undefined, () =>
      this.#objects.deleteBelow(this.#jobKeyPrefix(jobId)),
    );
  }

  close(): void {
    if (this.#ownedClient) this.#ownedClient.destroy();
  }

  #jobKeyPrefix(jobId: string): string {
    return this.prefix === '' ? `${jobId}/` : `${this.prefix}/${jobId}/`;
  }
}

function wholeNumberWithin(
  name: string,
  value: number,
  minimum: number,
  maximum = MAX_KEYS_PER_REQUEST,
): number {
  if (!Number.isSafeInteger(value) || value < minimum || value > maximum) {
    throw new RangeError(
      `S3ArtifactStore ${name} must be a whole number from ${minimum} to ${maximum}`,
    );
  }
  return value;
}
