import type { RedisConnection } from './redis-connection.js';
import type { JobType } from '@convoy/schemas';
import { CONVOY_KEY_PREFIX } from './queue-names.js';

export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}

export interface JobIndexPage {
  readonly ids: string[];
  /** Pass back as `cursor` for the next (older) page; null at the end. */
  readonly nextCursor: string | null;
}

/**
 * Every job id, newest first, across both queues (one sorted set per type and one for all), so the
 * API lists jobs with stable cursor pagination however the jobs move between BullMQ's states.
 */
export class JobIndex {
  constructor(
    private readonly connection: RedisConnection,
    private readonly prefix = CONVOY_KEY_PREFIX,
  ) {}

  private key(type: JobType | undefined): string {
    return `${this.prefix}:jobs:${type ?? 'all'}`;
  }

  async add(id: string, type: JobType, createdAt: number): Promise<void> {
    await this.connection
      .multi()
      .zadd(this.key(undefined), createdAt, id)
      .zadd(this.key(type), createdAt, id)
      .exec();
  }

  /**
   * Entries for many jobs in one MULTI, created in the same millisecond: fractions of it keep them in
   * the order given (a score's ulp at today's epoch milliseconds is ~0.0002).
   */
  async addMany(
    jobs: readonly { readonly id: string; readonly type: JobType }[],
    createdAt: number,
  ): Promise<void> {
    const multi = this.connection.multi();
    jobs.forEach(({ id, type }, position) => {
      const score = createdAt + position / jobs.length;
      multi.zadd(this.key(undefined), score, id).zadd(this.key(type), score, id);
    });
    await multi.exec();
  }

  async removeMany(
    jobs: readonly { readonly id: string; readonly type: JobType }[],
  ): Promise<void> {
    const multi = this.connection.multi();
    for (const { id, type } of jobs) multi.zrem(this.key(undefined), id).zrem(this.key(type), id);
    await multi.exec();
  }

  async remove(id: string, type: JobType): Promise<void> {
    await this.connection.multi().zrem(this.key(undefined), id).zrem(this.key(type), id).exec();
  }

  /** Ids by position (0 = newest, or oldest with `order` asc), and how many the index holds. */
  async range(options: {
    type?: JobType | undefined;
    offset: number;
    limit: number;
    order: 'asc' | 'desc';
  }): Promise<{ ids: string[]; total: number }> {
    const key = this.key(options.type);
    const stop = options.offset + options.limit - 1;
    const [ids, total] = await Promise.all([
      options.order === 'asc'
        ? this.connection.zrange(key, options.offset, stop)
        : this.connection.zrevrange(key, options.offset, stop),
      this.connection.zcard(key),
    ]);
    return { ids, total };
  }

  /** Up to `limit` ids older than the cursor's id (newest first without a cursor). */
  async page(options: {
    type?: JobType | undefined;
    cursor?: string | undefined;
    limit: number;
  }): Promise<JobIndexPage> {
    const key = this.key(options.type);
    let start = 0;
    if (options.cursor !== undefined) {
      const rank = await this.connection.zrevrank(key, decodeCursor(options.cursor));
      if (rank === null)
        throw new InvalidCursorError(
          'cursor does not name a listed job (it may have been removed)',
        );
      start = rank + 1;
    }
    const ids = await this.connection.zrevrange(key, start, start + options.limit - 1);
    const total = await this.connection.zcard(key);
    const last = ids.at(-1);
    return {
      ids,
      nextCursor: last !== undefined && start + ids.length < total ? encodeCursor(last) : null,
    };
  }
}

const encodeCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url');

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[a-z]+_[0-9a-z]+$/.test(id)) throw new InvalidCursorError('malformed cursor');
  return id;
}
