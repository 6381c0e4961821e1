/** Why a running job was asked to stop. */
export type StopReason = 'cancel' | 'shutdown';

interface RunningJob {
  readonly controller: AbortController;
  reason: StopReason | null;
}

/** The jobs this process is running, so a cancel message or SIGTERM can stop them at the next batch. */
export class JobControl {
  private readonly running = new Map<string, RunningJob>();
  private shuttingDown = false;
  private idleWaiters: (() => void)[] = [];

  /** A job starts; after shutdown() its signal is already aborted, so it goes straight back. */
  begin(id: string): AbortSignal {
    const controller = new AbortController();
    this.running.set(id, { controller, reason: null });
    if (this.shuttingDown) this.stop(id, 'shutdown');
    return controller.signal;
  }

  end(id: string): void {
    this.running.delete(id);
    if (this.running.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((wake) => wake());
  }

  /** The reason the job was stopped, or null if it was not. */
  reasonOf(id: string): StopReason | null {
    return this.running.get(id)?.reason ?? null;
  }

  stop(id: string, reason: StopReason): boolean {
    const job = this.running.get(id);
    if (!job) return false;
    // A cancel beats a shutdown: a cancelled job must not be handed back to the queue.
    if (job.reason !== 'cancel') job.reason = reason;
    job.controller.abort(new Error(reason));
    return true;
  }

  stopAll(reason: StopReason): number {
    for (const id of this.running.keys()) this.stop(id, reason);
    return this.running.size;
  }

  /** Stops every running job for shutdown, and every job that begins from now on. */
  shutdown(): number {
    this.shuttingDown = true;
    return this.stopAll('shutdown');
  }

  /** Resolves once no job is running. */
  idle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get size(): number {
    return this.running.size;
  }
}
