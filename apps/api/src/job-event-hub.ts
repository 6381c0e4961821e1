import type { QueueEvents } from 'bullmq';
import type { Logger } from 'pino';
import { trainingReportSchema, type TrainingReport } from '@convoy/schemas';
import type { JobLookup } from './job-lookup.js';
import type { FoundJob } from './job-view.js';

/** What happened to one job, as the API's listeners see it. */
export type JobEvent =
  /**
   * The worker called `job.updateProgress(data)`: for train jobs a TrainingReport, parsed once
   * here however many streams watch the job (null when it is not one).
   */
  | { readonly kind: 'progress'; readonly id: string; readonly report: TrainingReport | null }
  /** The job completed, failed for good, or was removed; `found` is its state right after. */
  | { readonly kind: 'finished'; readonly id: string; readonly found: FoundJob | undefined };

export type JobEventListener = (event: JobEvent) => void;

export interface JobEventHubOptions {
  readonly lookup: JobLookup;
  readonly logger: Logger;
}

/**
 * Fans BullMQ's queue events out to per-job listeners (SSE streams) and to observers of every
 * finished job (metrics). One QueueEvents per queue serves every client; a finished job is looked
 * up once, however many streams watch it.
 */
export class JobEventHub {
  private readonly listeners = new Map<string, Set<JobEventListener>>();
  private readonly finishedObservers = new Set<(found: FoundJob) => void>();
  private readonly detach: (() => void)[] = [];

  constructor(private readonly options: JobEventHubOptions) {}

  /** Starts relaying the events of a queue. */
  attach(queueEvents: QueueEvents): void {
    const onProgress = ({ jobId, data }: { jobId: string; data: unknown }) => {
      // Nobody watches most jobs' progress: parse only for those someone does.
      if (!this.listeners.has(jobId)) return;
      const report = trainingReportSchema.safeParse(data).data ?? null;
      this.emit({ kind: 'progress', id: jobId, report });
    };
    const onFinished = ({ jobId }: { jobId: string }) => void this.finish(jobId);
    queueEvents.on('progress', onProgress);
    queueEvents.on('completed', onFinished);
    queueEvents.on('failed', onFinished);
    queueEvents.on('removed', onFinished);
    this.detach.push(() => {
      queueEvents.off('progress', onProgress);
      queueEvents.off('completed', onFinished);
      queueEvents.off('failed', onFinished);
      queueEvents.off('removed', onFinished);
    });
  }

  /** Calls `listener` with every event of job `id` until the returned function is called. */
  subscribe(id: string, listener: JobEventListener): () => void {
    let set = this.listeners.get(id);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(id, set);
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(id);
      current?.delete(listener);
      if (current?.size === 0) this.listeners.delete(id);
    };
  }

  /** Calls `observer` with each job that completes or fails (in any process), once per job. */
  onFinished(observer: (found: FoundJob) => void): void {
    this.finishedObservers.add(observer);
  }

  /** How many jobs have listeners (for tests and metrics). */
  get watchedJobs(): number {
    return this.listeners.size;
  }

  close(): void {
    for (const detach of this.detach.splice(0)) detach();
    this.listeners.clear();
    this.finishedObservers.clear();
  }

  private emit(event: JobEvent): void {
    for (const listener of [...(this.listeners.get(event.id) ?? [])]) {
      try {
        listener(event);
      } catch (error) {
        this.options.logger.error({ err: error, jobId: event.id }, 'job event listener failed');
      }
    }
  }

  private async finish(id: string): Promise<void> {
    let found: FoundJob | undefined;
    try {
      found = await this.options.lookup.find(id);
    } catch (error) {
      this.options.logger.warn({ err: error, jobId: id }, 'could not look up a finished job');
    }
    if (found !== undefined) {
      for (const observer of this.finishedObservers) {
        try {
          observer(found);
        } catch (error) {
          this.options.logger.error({ err: error, jobId: id }, 'finished-job observer failed');
        }
      }
    }
    this.emit({ kind: 'finished', id, found });
  }
}
