import { CONVOY_KEY_PREFIX } from './queue-names.js';
import type { RedisConnection } from './redis-connection.js';

const RETENTION_SECONDS = 30 * 24 * 3600;

/** Admits a trial if it already holds a slot or one is free: SISMEMBER, else SCARD < max → SADD. */
const ACQUIRE_SCRIPT = `
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('SADD', KEYS[1], ARGV[1])
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  return 1
end
return 0`;

/**
 * What a sweep's trials share while they run, in Redis beside the queues: the slots that bound how
 * many run at once (a set of trial ids, `<prefix>:sweep:<id>:running`), and every trial's curve of
 * the sweep's metric (a hash trial → JSON list, `<prefix>:sweep:<id>:curves`) that early
 * termination compares against. Both are keyed by the sweep, so on a cluster each is one slot.
 */
export class SweepStore {
  constructor(
    private readonly connection: RedisConnection,
    private readonly prefix = CONVOY_KEY_PREFIX,
  ) {}

  private runningKey(sweepId: string): string {
    return `${this.prefix}:sweep:${sweepId}:running`;
  }

  private curvesKey(sweepId: string): string {
    return `${this.prefix}:sweep:${sweepId}:curves`;
  }

  /** Takes one of the sweep's `max` slots for the trial (true), or says none is free (false). */
  async acquire(sweepId: string, trialId: string, max: number): Promise<boolean> {
    const admitted = await this.connection.eval(
      ACQUIRE_SCRIPT,
      1,
      this.runningKey(sweepId),
      trialId,
      String(max),
      String(RETENTION_SECONDS),
    );
    return admitted === 1;
  }

  async release(sweepId: string, trialId: string): Promise<void> {
    await this.connection.srem(this.runningKey(sweepId), trialId);
  }

  /** The trials holding slots. */
  async holders(sweepId: string): Promise<string[]> {
    return this.connection.smembers(this.runningKey(sweepId));
  }

  /** Stores the trial's metric values so far (one per finished epoch). */
  async recordCurve(sweepId: string, trial: number, values: readonly number[]): Promise<void> {
    const key = this.curvesKey(sweepId);
    // JSON has no NaN or Infinity: a value that is not finite is stored as null (the worst).
    const encoded = JSON.stringify(values.map((value) => (Number.isFinite(value) ? value : null)));
    await this.connection
      .multi()
      .hset(key, String(trial), encoded)
      .expire(key, RETENTION_SECONDS)
      .exec();
  }

  /** Every trial's curve, by trial position. */
  async curves(sweepId: string): Promise<Map<number, number[]>> {
    const raw = await this.connection.hgetall(this.curvesKey(sweepId));
    const curves = new Map<number, number[]>();
    for (const [trial, encoded] of Object.entries(raw)) {
      try {
        const values = JSON.parse(encoded) as (number | null)[];
        curves.set(
          Number(trial),
          values.map((value) => value ?? Number.NaN),
        );
      } catch {
        // a malformed entry is no evidence either way
      }
    }
    return curves;
  }

  /** Forgets the sweep's slots and curves (its trials have all finished). */
  async remove(sweepId: string): Promise<void> {
    await this.connection.multi().del(this.runningKey(sweepId)).del(this.curvesKey(sweepId)).exec();
  }
}
