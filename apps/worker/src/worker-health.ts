import { pingRedis, type RedisConnection } from '@convoy/queue';

/** One health answer: healthy, or why not (what a 503 says). */
export type HealthCheck =
  { readonly ok: true } | { readonly ok: false; readonly code: string; readonly reason: string };

/** The parts of a BullMQ worker readiness looks at. */
export interface QueueWorkerState {
  readonly name: string;
  isRunning(): boolean;
}

export interface ReadinessSources {
  readonly workers: readonly QueueWorkerState[];
  /** The process's Redis connections; the first one also answers a PING. */
  readonly connections: readonly RedisConnection[];
  readonly pingTimeoutMs?: number | undefined;
}

const DEFAULT_PING_TIMEOUT_MS = 1_000;

/**
 * Ready: every BullMQ worker's loop runs, every Redis connection is up, and Redis answers a PING
 * in time. A connection's status alone can say "ready" over a dead TCP link, hence the PING; it is
 * sent only on a ready connection, so a probe never waits in an offline queue.
 */
export async function checkReadiness(sources: ReadinessSources): Promise<HealthCheck> {
  const stopped = sources.workers.filter((worker) => !worker.isRunning());
  if (stopped.length > 0) {
    return {
      ok: false,
      code: 'WORKER_NOT_RUNNING',
      reason: `BullMQ worker not running: ${stopped.map((worker) => worker.name).join(', ')}`,
    };
  }
  const down = sources.connections.find((connection) => connection.status !== 'ready');
  if (down !== undefined) {
    return { ok: false, code: 'REDIS_UNAVAILABLE', reason: `Redis connection is ${down.status}` };
  }
  const [first] = sources.connections;
  const timeoutMs = sources.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
  if (first !== undefined && !(await pingRedis(first, timeoutMs))) {
    return {
      ok: false,
      code: 'REDIS_UNAVAILABLE',
      reason: `Redis did not answer PING within ${timeoutMs} ms`,
    };
  }
  return { ok: true };
}

/**
 * Live: the process answers (a blocked event loop does not), and a shutdown under way has not
 * outlasted its bound. Redis being down is no reason to restart a worker: that is readiness.
 */
export function checkLiveness(
  shutdownStartedAt: number | undefined,
  now: number,
  shutdownTimeoutMs: number,
): HealthCheck {
  if (shutdownStartedAt === undefined || now - shutdownStartedAt <= shutdownTimeoutMs) {
    return { ok: true };
  }
  const seconds = Math.round((now - shutdownStartedAt) / 1000);
  return {
    ok: false,
    code: 'SHUTDOWN_OVERDUE',
    reason: `shutting down for ${seconds} s, past WORKER_SHUTDOWN_TIMEOUT_MS (${shutdownTimeoutMs} ms)`,
  };
}
