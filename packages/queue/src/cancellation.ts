import type { JobState } from '@convoy/schemas';
import type { RedisConnection } from './redis-connection.js';
import { CONVOY_KEY_PREFIX } from './queue-names.js';

const RETENTION_SECONDS = 30 * 24 * 3600;

/** Why a cancelled job's BullMQ record failed; the API reports such jobs as `cancelled`. */
export const CANCELLED_REASON = 'cancelled by request';

/**
 * BullMQ's states folded into Convoy's five: everything not yet started (including a retry's
 * backoff) is `waiting`; a failure the worker reported as a cancellation is `cancelled`.
 */
export function convoyStateOf(bullState: string, failedReason: string | undefined): JobState {
  switch (bullState) {
    case 'active':
      return 'active';
    case 'completed':
      return 'completed';
    case 'failed':
      return failedReason === CANCELLED_REASON ? 'cancelled' : 'failed';
    default:
      // waiting, delayed, prioritized, waiting-children, and `unknown` for a job just moving
      return 'waiting';
  }
}

export interface RemovedJobRecord {
  readonly id: string;
  readonly type: string;
  readonly params: unknown;
  readonly createdAt: number;
  readonly cancelledAt: number;
}

/**
 * Cancellation across processes: the API marks a job (a key, so a worker that picks it up later
 * still sees it) and publishes its id (so the worker running it stops at the next batch).
 */
export class JobCancellation {
  private readonly channel: string;

  constructor(
    private readonly connection: RedisConnection,
    private readonly prefix = CONVOY_KEY_PREFIX,
  ) {
    this.channel = `${prefix}:cancel`;
  }

  async request(id: string): Promise<void> {
    await this.connection.set(
      `${this.prefix}:cancel:${id}`,
      String(Date.now()),
      'EX',
      RETENTION_SECONDS,
    );
    await this.connection.publish(this.channel, id);
  }

  /** Takes back a cancel request and a removed-on-cancel record: the job is resumed or deleted. */
  async withdraw(id: string): Promise<void> {
    await this.connection
      .multi()
      .del(`${this.prefix}:cancel:${id}`)
      .del(`${this.prefix}:removed:${id}`)
      .exec();
  }

  async isRequested(id: string): Promise<boolean> {
    return (await this.connection.exists(`${this.prefix}:cancel:${id}`)) === 1;
  }

  /** Remembers a waiting job that was removed on cancel, so it still answers as `cancelled`. */
  async recordRemoved(record: RemovedJobRecord): Promise<void> {
    await this.connection.set(
      `${this.prefix}:removed:${record.id}`,
      JSON.stringify(record),
      'EX',
      RETENTION_SECONDS,
    );
  }

  async findRemoved(id: string): Promise<RemovedJobRecord | null> {
    const raw = await this.connection.get(`${this.prefix}:removed:${id}`);
    return raw === null ? null : (JSON.parse(raw) as RemovedJobRecord);
  }

  /**
   * Calls `onCancel` with each id cancelled from now on. `subscriber` becomes a dedicated
   * subscriber connection (Redis allows nothing else on it). Returns a function that unsubscribes.
   */
  async watch(
    subscriber: RedisConnection,
    onCancel: (id: string) => void,
  ): Promise<() => Promise<void>> {
    const listener = (channel: string, message: string) => {
      if (channel === this.channel) onCancel(message);
    };
    subscriber.on('message', listener);
    await subscriber.subscribe(this.channel);
    return async () => {
      subscriber.off('message', listener);
      await subscriber.unsubscribe(this.channel);
    };
  }
}
