import pRetry from 'p-retry';
import type { JobArtifacts } from './artifact-store.js';
import { StorageUnavailableError } from './errors.js';

/**
 * Files to land together, as plain data (it can cross to another thread): every write but the last
 * at once, then the last — the manifest or pointer that makes the others visible — then the prune.
 * Landing the same upload twice gives the same result, so a retry can start over.
 */
export interface ArtifactUpload {
  readonly writes: readonly { readonly path: string; readonly data: Uint8Array | string }[];
  /** Afterwards, removes the files directly below `directory` ending in `suffix` that are not `keep`. */
  readonly prune?: {
    readonly directory: string;
    readonly suffix: string;
    readonly keep: readonly string[];
  };
}

/** Where uploads go: an UploadQueue here, or one on another thread behind messages. */
export interface UploadSink {
  /** Resolves once the upload is queued (waiting while the queue is full); rejects once one failed. */
  add(upload: ArtifactUpload): Promise<void>;
  /** Resolves when every queued upload has landed; rejects with the failure that stopped the queue. */
  flush(): Promise<void>;
}

export interface UploadQueueOptions {
  /** Bytes queued or landing at once before add() waits; one larger upload is still let in alone. */
  readonly maxPendingBytes?: number;
  /** How long one upload is retried while the storage is unavailable before the queue fails. */
  readonly retryForMs?: number;
  /** First delay between attempts; doubles up to maxRetryDelayMs. */
  readonly minRetryDelayMs?: number;
  readonly maxRetryDelayMs?: number;
  readonly onRetry?: (error: Error, attempt: number, delayMs: number) => void;
}

export const DEFAULT_UPLOAD_QUEUE_OPTIONS = {
  maxPendingBytes: 64 * 1024 * 1024,
  retryForMs: 60_000,
  minRetryDelayMs: 250,
  maxRetryDelayMs: 5_000,
} as const;

export function uploadSize(upload: ArtifactUpload): number {
  return upload.writes.reduce(
    (sum, write) =>
      sum +
      (typeof write.data === 'string' ? Buffer.byteLength(write.data) : write.data.byteLength),
    0,
  );
}

/** Lands one upload on `artifacts` (see ArtifactUpload for the order). */
export async function applyUpload(artifacts: JobArtifacts, upload: ArtifactUpload): Promise<void> {
  const last = upload.writes.at(-1);
  await Promise.all(
    upload.writes.slice(0, -1).map(({ path, data }) => artifacts.write(path, data)),
  );
  if (last) await artifacts.write(last.path, last.data);
  const { prune } = upload;
  if (!prune) return;
  const keep = new Set(prune.keep.map((name) => `${prune.directory}/${name}`));
  const stale = (await artifacts.list(prune.directory)).filter(
    (info) =>
      info.path.endsWith(prune.suffix) &&
      !keep.has(info.path) &&
      !info.path.slice(prune.directory.length + 1).includes('/'),
  );
  await Promise.all(stale.map((info) => artifacts.remove(info.path)));
}

/**
 * Write-behind for one job's artifacts: uploads land one after another, in the order they were
 * added, while the caller goes on (training does not wait for the object store). Memory is bounded
 * by `maxPendingBytes`: add() waits for room. An upload that finds the storage unavailable is retried
 * with exponential backoff for `retryForMs`; after that, or at the first error that no retry can
 * fix, the queue stops: later uploads are dropped (they could point at files that never landed) and
 * add() and flush() reject with that error, so the job fails and resumes from the last upload
 * that did land.
 */
export class UploadQueue implements UploadSink {
  readonly #artifacts: JobArtifacts;
  readonly #options: Required<Omit<UploadQueueOptions, 'onRetry'>> & UploadQueueOptions;
  readonly #stop = new AbortController();
  #tail: Promise<void> = Promise.resolve();
  #pendingBytes = 0;
  #failure: Error | null = null;
  #roomWaiters: (() => void)[] = [];

  constructor(artifacts: JobArtifacts, options: UploadQueueOptions = {}) {
    this.#artifacts = artifacts;
    this.#options = { ...DEFAULT_UPLOAD_QUEUE_OPTIONS, ...options };
  }

  /** Bytes added but not landed yet. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  async add(upload: ArtifactUpload): Promise<void> {
    const size = uploadSize(upload);
    while (this.#failure === null && !this.#hasRoomFor(size)) {
      await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
    }
    if (this.#failure) throw this.#failure;
    this.#pendingBytes += size;
    this.#tail = this.#tail.then(() => this.#land(upload, size));
  }

  async flush(): Promise<void> {
    await this.#tail;
    if (this.#failure) throw this.#failure;
  }

  /**
   * Stops retrying (shutdown): the upload landing now gets one last attempt's result, the rest are
   * dropped; flush() then settles at once.
   */
  abort(reason: Error): void {
    this.#stop.abort(reason);
  }

  #hasRoomFor(size: number): boolean {
    return this.#pendingBytes === 0 || this.#pendingBytes + size <= this.#options.maxPendingBytes;
  }

  async #land(upload: ArtifactUpload, size: number): Promise<void> {
    try {
      if (this.#failure === null) await this.#withRetries(upload);
    } catch (error) {
      this.#failure = error instanceof Error ? error : new Error(String(error));
    } finally {
      this.#pendingBytes -= size;
      const waiters = this.#roomWaiters;
      this.#roomWaiters = [];
      waiters.forEach((wake) => wake());
    }
  }

  #withRetries(upload: ArtifactUpload): Promise<void> {
    const { retryForMs, minRetryDelayMs, maxRetryDelayMs, onRetry } = this.#options;
    return pRetry(() => applyUpload(this.#artifacts, upload), {
      retries: Number.POSITIVE_INFINITY,
      maxRetryTime: retryForMs,
      minTimeout: minRetryDelayMs,
      maxTimeout: maxRetryDelayMs,
      factor: 2,
      signal: this.#stop.signal,
      shouldRetry: ({ error }) => error instanceof StorageUnavailableError,
      onFailedAttempt: ({ error, attemptNumber, retryDelay }) => {
        if (error instanceof StorageUnavailableError && retryDelay > 0)
          onRetry?.(error, attemptNumber, retryDelay);
      },
    });
  }
}
