import type { Readable } from 'node:stream';

/** Bytes `start` to `end` of a file, both included (as HTTP's Range header counts them). */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

export interface ArtifactInfo {
  /** Path relative to the job's directory, `/`-separated (e.g. `model/model.json`). */
  readonly path: string;
  readonly size: number;
  readonly modified: Date;
  /**
   * The backend's entity tag, quoted as S3 sends it (`"9e10…"`): changes whenever the bytes do,
   * also within one second. Absent where the backend has none (the local store).
   */
  readonly etag?: string;
}

/**
 * The artifacts of one job: a small file tree addressed by relative paths. Training, the worker,
 * the API and the dashboard see artifacts only through this, so a store other than the local
 * directory (S3-compatible, for several hosts) can replace it without touching them.
 */
export interface JobArtifacts {
  readonly jobId: string;
  /** Atomic: a reader sees the old bytes or the new ones, never a mix. */
  write(path: string, data: Uint8Array | string): Promise<void>;
  /** @throws ArtifactNotFoundError */
  read(path: string): Promise<Buffer>;
  /**
   * The file as a stream, or only the bytes of `range` (inclusive, within the file: stat first);
   * `info` describes the whole file.
   * @throws ArtifactNotFoundError
   */
  open(path: string, range?: ByteRange): Promise<{ stream: Readable; info: ArtifactInfo }>;
  stat(path: string): Promise<ArtifactInfo | null>;
  /** Every file below `prefix` (default: the whole job), sorted by path. */
  list(prefix?: string): Promise<ArtifactInfo[]>;
  /** Removes a file, or everything below a directory path; absent paths are fine. */
  remove(path: string): Promise<void>;
}

export interface ArtifactStore {
  /** @throws InvalidArtifactPathError for ids that are not safe directory names */
  job(jobId: string): JobArtifacts;
  removeJob(jobId: string): Promise<void>;
  /**
   * Releases connections (an S3 client's sockets, in-flight requests included): at shutdown, once
   * nothing uses the store any more. Servers that exit after draining need not call it.
   */
  close(): void;
}
