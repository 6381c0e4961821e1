import { Worker as Thread } from 'node:worker_threads';
import type { FromReplica, ReplicaInit, ToReplica } from './replica-protocol.js';

// Compiled next to this file; when tests run this module from source, the build's copy is used.
const REPLICA_ENTRY = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/parallel/replica-thread.js', import.meta.url)
  : new URL('./replica-thread.js', import.meta.url);

/**
 * A replica thread as the coordinating thread sees it: one request in flight at a time, answered
 * by its next message; a thread that fails or exits rejects what is pending and everything after.
 * `views` are the coordinator's views of the replica's shared buffers.
 */
export class Replica<Views> {
  private readonly thread: Thread;
  private pending: {
    resolve: (message: FromReplica) => void;
    reject: (error: Error) => void;
  } | null = null;
  private failed: Error | null = null;

  constructor(
    init: ReplicaInit,
    readonly views: Views,
  ) {
    this.thread = new Thread(REPLICA_ENTRY, { workerData: init });
    this.thread.on('message', (message: FromReplica) => this.settle(message));
    this.thread.on('error', (error) => this.fail(error));
    this.thread.on('exit', (code) =>
      this.fail(new Error(`replica thread exited with code ${code}`)),
    );
  }

  /** Why the thread stopped working, once it has (an error, or its exit). */
  get failure(): Error | null {
    return this.failed;
  }

  /** Resolves with the replica's next message ('ready' or the answer to a request). */
  next(): Promise<FromReplica> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
    });
  }

  /** Sends a request and resolves with its answer. */
  request(message: ToReplica): Promise<FromReplica> {
    const answer = this.next();
    this.thread.postMessage(message);
    return answer;
  }

  terminate(): Promise<number> {
    this.failed ??= new Error('replica thread stopped');
    return this.thread.terminate();
  }

  private settle(message: FromReplica): void {
    const pending = this.pending;
    this.pending = null;
    if (message.type === 'error') pending?.reject(new Error(message.message));
    else pending?.resolve(message);
  }

  private fail(error: Error): void {
    this.failed ??= error;
    this.pending?.reject(error);
    this.pending = null;
  }
}

/** Starts one replica per init and waits until all are ready; stops them all if one fails. */
export async function startReplicas<Views>(
  inits: readonly ReplicaInit[],
  views: (init: ReplicaInit) => Views,
): Promise<Replica<Views>[]> {
  const replicas = inits.map((init) => new Replica(init, views(init)));
  try {
    await Promise.all(replicas.map((replica) => replica.next()));
    return replicas;
  } catch (error) {
    await Promise.all(replicas.map((replica) => replica.terminate()));
    throw error;
  }
}
