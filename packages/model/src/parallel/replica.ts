import { Worker as Thread } from 'node:worker_threads';
import type { FromReplica, ReplicaReply, ReplicaSetup } from './replica-protocol.js';

/**
 * The thread entry `file` (relative to `moduleUrl`, the module that starts the threads), compiled.
 * Threads run JavaScript: when tests run a package from its .ts sources, the entry is the build's
 * copy (src/… → dist/…), so such tests need `turbo run build` to have run first.
 */
export function replicaEntry(file: string, moduleUrl: string): URL {
  const entry = new URL(file, moduleUrl);
  if (!moduleUrl.endsWith('.ts')) return entry;
  const at = entry.href.lastIndexOf('/src/');
  return new URL(`${entry.href.slice(0, at)}/dist/${entry.href.slice(at + '/src/'.length)}`);
}

/**
 * A replica thread as the coordinating thread sees it: one request in flight at a time, answered
 * by its next message; a thread that fails or exits rejects what is pending and everything after.
 * `views` are the coordinator's views of the replica's shared buffers.
 */
export class Replica<Views, Request = never, Answer = never> {
  private readonly thread: Thread;
  private pending: {
    resolve: (message: ReplicaReply<Answer>) => void;
    reject: (error: Error) => void;
  } | null = null;
  private failed: Error | null = null;

  /** Starts `entry` (see replicaEntry) on a new thread with `setup` as its workerData. */
  constructor(
    entry: URL,
    setup: ReplicaSetup,
    readonly views: Views,
  ) {
    this.thread = new Thread(entry, { workerData: setup });
    this.thread.on('message', (message: FromReplica<Answer>) => this.settle(message));
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
  next(): Promise<ReplicaReply<Answer>> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
    });
  }

  /** Sends a request and resolves with its answer. */
  request(message: Request): Promise<ReplicaReply<Answer>> {
    const answer = this.next();
    this.thread.postMessage(message);
    return answer;
  }

  terminate(): Promise<number> {
    this.failed ??= new Error('replica thread stopped');
    return this.thread.terminate();
  }

  private settle(message: FromReplica<Answer>): void {
    const pending = this.pending;
    this.pending = null;
    if (isError(message)) pending?.reject(new Error(message.message));
    else pending?.resolve(message);
  }

  private fail(error: Error): void {
    this.failed ??= error;
    this.pending?.reject(error);
    this.pending = null;
  }
}

function isError<Answer>(
  message: FromReplica<Answer>,
): message is { readonly type: 'error'; readonly message: string } {
  return (message as { type?: unknown }).type === 'error';
}

/** Starts one replica of `entry` per setup and waits until all are ready; stops them all if one fails. */
export async function startReplicas<Setup extends ReplicaSetup, Views>(
  entry: URL,
  setups: readonly Setup[],
  views: (setup: Setup) => Views,
): Promise<Replica<Views>[]> {
  const replicas = setups.map((setup) => new Replica<Views>(entry, setup, views(setup)));
  try {
    await Promise.all(replicas.map((replica) => replica.next()));
    return replicas;
  } catch (error) {
    await Promise.all(replicas.map((replica) => replica.terminate()));
    throw error;
  }
}
