import { Worker as Thread } from 'node:worker_threads';
import type { ActiveBackend } from '@convoy/backend';
import type {
  EpochRecord,
  TrainingParams,
  TrainingProgress,
  TrainingResult,
} from '@convoy/schemas';
import type { UploadSink } from '@convoy/storage';
import type { StopReason } from './job-control.js';
import {
  serializeError,
  type FromTrainingThread,
  type SerializedError,
  type ToTrainingThread,
  type TrainingThreadConfig,
} from './training-messages.js';

/** The queue that lands one job's artifacts from the main thread (an UploadQueue on its store). */
export type UploadsFor = (jobId: string) => UploadSink;

export interface TrainingRunHandlers {
  onStart(resumedFromEpoch: number, history: readonly EpochRecord[]): void;
  /** A stage begins on the thread, whose backend it names. */
  onStage?(stage: 'loading-data' | 'building-model' | 'training', backend: ActiveBackend): void;
  onProgress(progress: TrainingProgress): void;
  onEpoch(record: EpochRecord): void;
  /**
   * After each epoch (and onEpoch): a reason to end the run there (a sweep's early termination) or
   * null; the thread waits for it. Without it the thread never waits.
   */
  decideAfterEpoch?(record: EpochRecord): Promise<string | null>;
}

/** A training run that ended in the thread with an error, carried back with its classification. */
export class TrainingThreadError extends Error {
  override readonly name: string;
  readonly permanent: boolean;
  readonly aborted: boolean;
  readonly outOfMemory: boolean;

  constructor(error: SerializedError) {
    super(error.message);
    this.name = error.name;
    this.permanent = error.permanent;
    this.aborted = error.aborted;
    this.outOfMemory = error.outOfMemory;
  }
}

export interface TrainingRun {
  readonly result: Promise<TrainingResult>;
  stop(reason: StopReason): void;
}

interface PooledThread {
  readonly thread: Thread;
  readonly ready: Promise<ActiveBackend>;
  busy: boolean;
  lastError?: Error;
}

const THREAD_ENTRY = new URL('./training-thread.js', import.meta.url);

/**
 * One training thread per concurrent job; each initialises its compute backend once. A thread whose
 * run ran out of memory is ended (its replica threads with it) and the next job gets a fresh one: a
 * wasm heap never shrinks, and after a failed allocation it cannot be trusted either.
 */
export class TrainingThreadPool {
  private readonly threads: PooledThread[] = [];
  private closed = false;

  constructor(
    private readonly config: TrainingThreadConfig,
    private readonly size: number,
    private readonly uploadsFor: UploadsFor,
  ) {}

  /** Starts one thread and resolves with the backend it runs on. */
  async warmUp(): Promise<ActiveBackend> {
    return this.acquire().then((pooled) => {
      pooled.busy = false;
      return pooled.ready;
    });
  }

  run(jobId: string, params: TrainingParams, handlers: TrainingRunHandlers): TrainingRun {
    const acquired = this.acquire();
    let stopReason: StopReason | null = null;
    let thread: Thread | null = null;
    const result = acquired.then(async (pooled) => {
      await pooled.ready;
      thread = pooled.thread;
      try {
        return await this.execute(pooled, jobId, params, handlers, () => stopReason);
      } finally {
        pooled.busy = false;
      }
    });
    return {
      result,
      stop(reason) {
        stopReason = reason;
        thread?.postMessage({ type: 'stop', reason } satisfies ToTrainingThread);
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((pooled) => pooled.thread.terminate()));
  }

  private execute(
    pooled: PooledThread,
    jobId: string,
    params: TrainingParams,
    handlers: TrainingRunHandlers,
    stopReason: () => StopReason | null,
  ): Promise<TrainingResult> {
    const { thread } = pooled;
    const uploads = this.uploadsFor(jobId);
    const reply = (id: number, landed: Promise<void>) => {
      landed.then(
        () => thread.postMessage({ type: 'upload-reply', id } satisfies ToTrainingThread),
        (error: unknown) =>
          thread.postMessage({
            type: 'upload-reply',
            id,
            error: serializeError(error),
          } satisfies ToTrainingThread),
      );
    };
    return new Promise<TrainingResult>((resolve, reject) => {
      const onMessage = (message: FromTrainingThread) => {
        switch (message.type) {
          case 'upload':
            return reply(message.id, uploads.add(message.upload));
          case 'flush':
            return reply(message.id, uploads.flush());
          case 'start':
            return handlers.onStart(message.resumedFromEpoch, message.history);
          case 'stage':
            return handlers.onStage?.(message.stage, message.backend);
          case 'progress':
            return handlers.onProgress(message.progress);
          case 'epoch': {
            handlers.onEpoch(message.record);
            const { decideAfterEpoch } = handlers;
            if (decideAfterEpoch === undefined) return undefined;
            const answer = (prune: string | null) =>
              thread.postMessage({
                type: 'epoch-decision',
                epoch: message.record.epoch,
                prune,
              } satisfies ToTrainingThread);
            // A decision that cannot be made (Redis away) lets the trial go on.
            return void decideAfterEpoch(message.record).then(answer, () => answer(null));
          }
          case 'done':
            cleanup();
            return resolve(message.result);
          case 'failed': {
            cleanup();
            const error = new TrainingThreadError(message.error);
            if (!error.outOfMemory) return reject(error);
            // Ended before the job settles, so the worker is back near its baseline when it takes the next.
            return void thread.terminate().then(
              () => reject(error),
              () => reject(error),
            );
          }
          case 'ready':
            return undefined;
        }
      };
      const onExit = (code: number) => {
        cleanup();
        const cause = pooled.lastError ? `: ${pooled.lastError.message}` : '';
        reject(new Error(`training thread exited with code ${code}${cause}`));
      };
      const cleanup = () => {
        thread.off('message', onMessage);
        thread.off('exit', onExit);
      };
      thread.on('message', onMessage);
      thread.on('exit', onExit);
      thread.postMessage({
        type: 'run',
        jobId,
        params,
        decideEpochs: handlers.decideAfterEpoch !== undefined,
      } satisfies ToTrainingThread);
      // A stop that arrived while the thread was still starting.
      const reason = stopReason();
      if (reason) thread.postMessage({ type: 'stop', reason } satisfies ToTrainingThread);
    });
  }

  private async acquire(): Promise<PooledThread> {
    if (this.closed) throw new Error('the training thread pool is closed');
    const idle = this.threads.find((pooled) => !pooled.busy && pooled.thread.threadId > 0);
    if (idle) {
      idle.busy = true;
      return idle;
    }
    if (this.threads.length >= this.size)
      throw new Error(`all ${this.size} training threads are busy`);
    const pooled = this.spawn();
    pooled.busy = true;
    return pooled;
  }

  private spawn(): PooledThread {
    const thread = new Thread(THREAD_ENTRY, { workerData: this.config });
    const ready = new Promise<ActiveBackend>((resolve, reject) => {
      const onMessage = (message: FromTrainingThread) => {
        if (message.type !== 'ready') return;
        thread.off('message', onMessage);
        resolve(message.backend);
      };
      thread.on('message', onMessage);
      thread.once('error', reject);
    });
    const pooled: PooledThread = { thread, ready, busy: false };
    // An uncaught error ends the thread; the run's 'exit' handler reports it, this keeps the process up.
    thread.on('error', (error) => {
      pooled.lastError = error;
    });
    thread.once('exit', () => {
      const index = this.threads.indexOf(pooled);
      if (index >= 0) this.threads.splice(index, 1);
    });
    this.threads.push(pooled);
    return pooled;
  }
}
