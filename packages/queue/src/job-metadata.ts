import type { RunMetadata } from '@convoy/schemas';
import { CONVOY_KEY_PREFIX } from './queue-names.js';
import type { RedisConnection } from './redis-connection.js';

/** Kept a while beyond the jobs themselves (30 days after they finish); refreshed on every edit. */
const RETENTION_SECONDS = 90 * 24 * 3600;

/** What an edit changes: a field given replaces the stored one; null clears it. */
export interface RunMetadataUpdate {
  readonly name?: string | null | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly notes?: string | null | undefined;
}

export const EMPTY_RUN_METADATA: RunMetadata = { name: null, tags: [], notes: null };

/**
 * A job's name, tags and notes, in a Redis hash of its own (`<prefix>:meta:<id>`) rather than in
 * the BullMQ job's data: a worker may be updating that job meanwhile, and a job cancelled before
 * it started has no BullMQ job left. One HSET/HDEL per edit, so concurrent edits of different
 * fields never overwrite each other. Also the links from a training run to its visualization jobs
 * (`<prefix>:visualizations:<train id>`, a sorted set by creation time), for counts and deletion.
 */
export class JobMetadataStore {
  constructor(
    private readonly connection: RedisConnection,
    private readonly prefix = CONVOY_KEY_PREFIX,
  ) {}

  private metaKey(id: string): string {
    return `${this.prefix}:meta:${id}`;
  }

  private visualizationsKey(trainId: string): string {
    return `${this.prefix}:visualizations:${trainId}`;
  }

  async get(id: string): Promise<RunMetadata> {
    const fields = await this.connection.hgetall(this.metaKey(id));
    return {
      name: fields.name || null,
      tags: parseTags(fields.tags),
      notes: fields.notes || null,
    };
  }

  async update(id: string, update: RunMetadataUpdate): Promise<void> {
    await this.updateMany([[id, update]]);
  }

  /** Several jobs' edits in one MULTI (a sweep's trials). */
  async updateMany(updates: readonly (readonly [string, RunMetadataUpdate])[]): Promise<void> {
    const multi = this.connection.multi();
    for (const [id, update] of updates) {
      const { set, cleared } = fieldsOf(update);
      const key = this.metaKey(id);
      if (Object.keys(set).length > 0) multi.hset(key, set);
      if (cleared.length > 0) multi.hdel(key, ...cleared);
      multi.expire(key, RETENTION_SECONDS);
    }
    await multi.exec();
  }

  async linkVisualization(trainId: string, visualizeId: string, createdAt: number): Promise<void> {
    const key = this.visualizationsKey(trainId);
    await this.connection
      .multi()
      .zadd(key, createdAt, visualizeId)
      .expire(key, RETENTION_SECONDS)
      .exec();
  }

  async unlinkVisualization(trainId: string, visualizeId: string): Promise<void> {
    await this.connection.zrem(this.visualizationsKey(trainId), visualizeId);
  }

  async countVisualizations(trainId: string): Promise<number> {
    return this.connection.zcard(this.visualizationsKey(trainId));
  }

  async visualizationsOf(trainId: string): Promise<string[]> {
    return this.connection.zrange(this.visualizationsKey(trainId), 0, -1);
  }

  /** Forgets the job's metadata and its visualization links. */
  async remove(id: string): Promise<void> {
    await this.connection.multi().del(this.metaKey(id)).del(this.visualizationsKey(id)).exec();
  }
}

/** The hash fields an edit sets, and those it clears (null or empty). */
function fieldsOf(update: RunMetadataUpdate): { set: Record<string, string>; cleared: string[] } {
  const set: Record<string, string> = {};
  const cleared: string[] = [];
  const put = (field: string, value: string | null | undefined) => {
    if (value === undefined) return;
    if (value === null || value === '') cleared.push(field);
    else set[field] = value;
  };
  put('name', update.name);
  put('tags', update.tags === undefined ? undefined : JSON.stringify(update.tags));
  put('notes', update.notes);
  return { set, cleared };
}

function parseTags(raw: string | undefined): string[] {
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.filter((tag) => typeof tag === 'string') : [];
  } catch {
    return [];
  }
}
