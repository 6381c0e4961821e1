import type { GetObjectCommandOutput, _Object } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import type { ArtifactInfo, ByteRange, JobArtifacts } from './artifact-store.js';
import { isValidArtifactPath, parseArtifactPath } from './artifact-path.js';
import { ArtifactNotFoundError, InvalidArtifactPathError } from './errors.js';
import type { S3Objects } from './s3-objects.js';
import { guardUnavailable, isMissingObject } from './s3-objects.js';

/**
 * A job's artifacts as the objects `<jobKeyPrefix><path>` of a bucket. S3 has no directories: a
 * "directory" is every key below `<path>/`. Writes keep the local store's tree rules — no file
 * where a directory is, nothing below a file — checked before the upload (so two concurrent
 * writers of `a` and `a/b` can both pass; S3 has nothing to lock with).
 */
export class S3JobArtifacts implements JobArtifacts {
  readonly jobId: string;
  readonly #objects: S3Objects;
  readonly #jobKeyPrefix: string;

  /** `jobKeyPrefix` ends with `/`: `<prefix>/<jobId>/`, or `<jobId>/` at the bucket's root. */
  constructor(jobId: string, objects: S3Objects, jobKeyPrefix: string) {
    this.jobId = jobId;
    this.#objects = objects;
    this.#jobKeyPrefix = jobKeyPrefix;
  }

  async write(path: string, data: Uint8Array | string): Promise<void> {
    const segments = parseArtifactPath(path);
    const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    await this.#guard('write', path, async () => {
      await this.#assertWritable(path, segments);
      await this.#objects.put(this.#key(path), body);
    });
  }

  async read(path: string): Promise<Buffer> {
    parseArtifactPath(path);
    return this.#guard('read', path, async () => {
      const body = (await this.#get(path)).Body;
      if (body === undefined) return Buffer.alloc(0);
      const bytes = await body.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    });
  }

  async open(path: string, range?: ByteRange): Promise<{ stream: Readable; info: ArtifactInfo }> {
    parseArtifactPath(path);
    return this.#guard('open', path, async () => {
      const object = await this.#get(path, range);
      // In Node the SDK's body is an http.IncomingMessage: the caller reads or destroys it.
      const stream = object.Body ?? Readable.from([]);
      if (!(stream instanceof Readable)) throw new TypeError('GetObject body is not a Node stream');
      // A ranged answer's length is the range's; the whole size is in Content-Range (`bytes a-b/size`).
      const size = range
        ? Number(/\/(\d+)$/.exec(object.ContentRange ?? '')?.[1] ?? Number.NaN)
        : (object.ContentLength ?? 0);
      const info = toInfo(path, size, object.LastModified, object.ETag);
      return { stream, info };
    });
  }

  async stat(path: string): Promise<ArtifactInfo | null> {
    parseArtifactPath(path);
    return this.#guard('stat', path, async () => {
      const head = await this.#objects.head(this.#key(path));
      return head === undefined ? null : toInfo(path, head.size, head.modified, head.etag);
    });
  }

  async list(prefix?: string): Promise<ArtifactInfo[]> {
    if (prefix !== undefined) parseArtifactPath(prefix);
    return this.#guard('list', prefix, async () => {
      const below = prefix === undefined ? this.#jobKeyPrefix : `${this.#key(prefix)}/`;
      const found: ArtifactInfo[] = [];
      for await (const object of this.#objects.list(below)) {
        const info = this.#infoOf(object);
        if (info !== undefined) found.push(info);
      }
      // Like the local store: a prefix that names a file lists that file.
      if (found.length === 0 && prefix !== undefined) {
        const head = await this.#objects.head(this.#key(prefix));
        if (head !== undefined) found.push(toInfo(prefix, head.size, head.modified, head.etag));
      }
      return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    });
  }

  async remove(path: string): Promise<void> {
    parseArtifactPath(path);
    await this.#guard('remove', path, () =>
      this.#objects.deleteBelow(`${this.#key(path)}/`, this.#key(path)),
    );
  }

  #key(path: string): string {
    return this.#jobKeyPrefix + path;
  }

  async #get(path: string, range?: ByteRange): Promise<GetObjectCommandOutput> {
    try {
      return await this.#objects.get(this.#key(path), range);
    } catch (error) {
      if (isMissingObject(error))
        throw new ArtifactNotFoundError(this.jobId, path, { cause: error });
      throw error;
    }
  }

  /** The local store's rules: `path` is no directory, and none of its parents is a file. */
  async #assertWritable(path: string, segments: readonly string[]): Promise<void> {
    const parents = segments.slice(0, -1).map((_, index) => segments.slice(0, index + 1).join('/'));
    const [isDirectory, ...parentIsFile] = await Promise.all([
      this.#objects.anyBelow(`${this.#key(path)}/`),
      ...parents.map(async (parent) => (await this.#objects.head(this.#key(parent))) !== undefined),
    ]);
    if (isDirectory) throw new InvalidArtifactPathError(path, 'is a directory');
    if (parentIsFile.some(Boolean)) {
      throw new InvalidArtifactPathError(path, 'a parent of the path is a file');
    }
  }

  /** The artifact an object of the job is, or undefined for a key no artifact path addresses. */
  #infoOf(object: _Object): ArtifactInfo | undefined {
    const key = object.Key;
    if (key === undefined || !key.startsWith(this.#jobKeyPrefix)) return undefined;
    const path = key.slice(this.#jobKeyPrefix.length);
    if (!isValidArtifactPath(path)) return undefined;
    return toInfo(path, object.Size ?? 0, object.LastModified, object.ETag);
  }

  #guard<T>(operation: string, path: string | undefined, run: () => Promise<T>): Promise<T> {
    return guardUnavailable(operation, this.jobId, path, run);
  }
}

function toInfo(
  path: string,
  size: number,
  modified: Date | undefined,
  etag: string | undefined,
): ArtifactInfo {
  return {
    path,
    size,
    modified: modified ?? new Date(0),
    ...(etag === undefined ? {} : { etag }),
  };
}
