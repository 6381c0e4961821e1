import { CANCELLED_REASON, jobTypeOf, type JobQueues, type SweepJobData } from '@convoy/queue';
import { HttpError } from './http-error.js';
import type { JobType, SweepSummary } from '@convoy/schemas';
import { loadSweepSummary } from './sweeps.js';
import type { FoundJob, RunInfo } from './job-view.js';

/** Resolves job ids to what the API reports: a BullMQ job with its state, or a removed-on-cancel record. */
export class JobLookup {
  /** Per id: the read in progress and the next one, which everyone asking meanwhile shares. */
  private readonly sharedReads = new Map<string, SharedReads>();

  constructor(
    private readonly queues: JobQueues,
    /** Whether the Redis client is connected; BullMQ would wait for it forever otherwise. */
    private readonly isRedisReady: () => boolean = () => true,
  ) {}

  /** Throws 503 SERVICE_UNAVAILABLE while Redis is unreachable, so requests fail fast. */
  assertAvailable(): void {
    if (!this.isRedisReady()) {
      throw new HttpError(503, 'SERVICE_UNAVAILABLE', 'the job store (Redis) is unavailable', {
        headers: { 'Retry-After': '5' },
      });
    }
  }

  /**
   * `find` for callers who subscribed to the job's events just before: the read starts after the
   * call (so anything they subscribed to is either in what it reads or arrives after), and
   * everyone asking while a read of the job is in progress shares the next one. A burst of event
   * streams on one job costs a few reads, not one each.
   */
  findShared(id: string): Promise<FoundJob | undefined> {
    const reads = this.sharedReads.get(id) ?? {};
    this.sharedReads.set(id, reads);
    if (reads.next !== undefined) return reads.next;
    const previous = reads.running ?? new Promise<void>((resolve) => setImmediate(resolve));
    const next = previous.then(ignore, ignore).then(() => {
      // Started: whoever asks from now on waits for the read after this one.
      reads.next = undefined;
      const running = this.find(id);
      reads.running = running;
      return running.finally(() => {
        if (reads.running !== running) return;
        reads.running = undefined;
        if (reads.next === undefined) this.sharedReads.delete(id);
      });
    });
    reads.next = next;
    return next;
  }

  /** undefined for ids that are malformed, unknown, or expired from Redis. */
  async find(id: string): Promise<FoundJob | undefined> {
    const type = jobTypeOf(id);
    if (type === null) return undefined;
    this.assertAvailable();
    // State first, then the job: read the other way round, a job finishing in between would be
    // reported completed with the fields (result, finish time) of its still-active snapshot.
    const [bullState, run] = await Promise.all([
      this.queues.queue(type).getJobState(id),
      this.runOf(id, type),
    ]);
    const job = bullState === 'unknown' ? undefined : await this.queues.find(id);
    if (job === undefined) {
      const record = await this.queues.cancellation.findRemoved(id);
      return record === null ? undefined : { kind: 'removed', id, type, record, run };
    }
    const cancelRequested =
      bullState === 'failed'
        ? job.failedReason === CANCELLED_REASON
        : type === 'sweep' || bullState === 'active' || bullState === 'delayed'
          ? await this.queues.cancellation.isRequested(id)
          : false;
    // A sweep is as far as its trials: read every one (in parallel) for its leaderboard.
    const sweep: SweepSummary | undefined =
      type === 'sweep' ? await loadSweepSummary(this.queues, job.data as SweepJobData) : undefined;
    return { kind: 'queued', id, type, job, bullState, cancelRequested, run, sweep };
  }

  /** The job's name, tags and notes, and for a training run its number of visualization jobs. */
  private async runOf(id: string, type: JobType): Promise<RunInfo> {
    const [metadata, visualizations] = await Promise.all([
      this.queues.metadata.get(id),
      type === 'train' ? this.queues.metadata.countVisualizations(id) : undefined,
    ]);
    return { ...metadata, visualizations };
  }
}

interface SharedReads {
  running?: Promise<FoundJob | undefined> | undefined;
  next?: Promise<FoundJob | undefined> | undefined;
}

function ignore(): void {
  // the previous read's outcome belongs to its own callers
}
