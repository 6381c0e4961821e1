import type { MessagePort } from 'node:worker_threads';
import type { ArtifactUpload, UploadSink } from '@convoy/storage';
import type { FromTrainingThread, SerializedError, ToTrainingThread } from './training-messages.js';

/** An upload the main thread could not land, as the training thread sees it. */
export class UploadFailedError extends Error {
  override readonly name: string;
  /** Carried over so the run's failure is classified like the original error. */
  readonly permanent: boolean;

  constructor(error: SerializedError) {
    super(error.message);
    this.name = error.name;
    this.permanent = error.permanent;
  }
}

/**
 * The training thread's side of its uploads: each upload is posted to the worker's main thread,
 * which lands it from its own event loop (ThreadUploadQueues), so the object store's requests,
 * retries and backoff never run between this thread's batches. Buffers are transferred, not copied.
 */
export class ThreadUploads implements UploadSink {
  readonly #port: MessagePort;
  readonly #pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  #nextId = 0;

  constructor(port: MessagePort) {
    this.#port = port;
  }

  /** Call for every `upload-reply` the thread receives. */
  settle(reply: Extract<ToTrainingThread, { type: 'upload-reply' }>): void {
    const waiter = this.#pending.get(reply.id);
    this.#pending.delete(reply.id);
    if (reply.error) waiter?.reject(new UploadFailedError(reply.error));
    else waiter?.resolve();
  }

  add(upload: ArtifactUpload): Promise<void> {
    return this.#request((id) => ({ type: 'upload', id, upload }), transferable(upload));
  }

  flush(): Promise<void> {
    return this.#request((id) => ({ type: 'flush', id }), []);
  }

  #request(message: (id: number) => FromTrainingThread, transfer: ArrayBuffer[]): Promise<void> {
    const id = (this.#nextId += 1);
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#port.postMessage(message(id), transfer);
    });
  }
}

/** Buffers the upload's bytes own whole (a view of part of a buffer is copied instead). */
function transferable(upload: ArtifactUpload): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const { data } of upload.writes) {
    if (typeof data === 'string' || !(data.buffer instanceof ArrayBuffer)) continue;
    if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength)
      buffers.add(data.buffer);
  }
  return [...buffers];
}
