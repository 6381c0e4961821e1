import { pino } from 'pino';

/** Where Convoy logs Redis trouble: a pino Logger fits. */
export interface RedisLogger {
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
}

/** Repeats of one error on one connection are logged at most this often (with a count). */
export const REDIS_ERROR_LOG_INTERVAL_MS = 30_000;

export interface RedisErrorLogOptions {
  readonly intervalMs?: number | undefined;
  /** The log line's message (default `redis error`). */
  readonly message?: string | undefined;
  /** A clock, for tests. */
  readonly now?: (() => number) | undefined;
}

let fallbackLogger: RedisLogger | undefined;

/** For callers that pass no logger: JSON lines on stderr, so nothing goes unlogged. */
export function defaultRedisLogger(): RedisLogger {
  fallbackLogger ??= pino({ name: 'convoy-redis', level: 'info' }, pino.destination(2));
  return fallbackLogger;
}

/**
 * The short, stable part of an error: a system error code (ECONNREFUSED) or the message. A server
 * that is away makes ioredis retry every few hundred milliseconds with the same error each time.
 */
export function redisErrorReason(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && code.length > 0) return code;
    if (typeof message === 'string') return message;
  }
  return String(error);
}

/**
 * The errors of one Redis connection (or of a BullMQ object that relays them), rate-limited: the
 * first error of each reason is logged at once, repeats within `intervalMs` are only counted, and
 * the next line of that reason carries the count (`suppressed`). Once the connection is ready again,
 * one line says so with the number of errors since it was last ready.
 */
export class RedisErrorLog {
  readonly #logger: RedisLogger;
  readonly #source: string;
  readonly #intervalMs: number;
  readonly #message: string;
  readonly #now: () => number;
  readonly #reasons = new Map<string, { loggedAt: number; suppressed: number }>();
  #errorsSinceReady = 0;

  constructor(logger: RedisLogger, source: string, options: RedisErrorLogOptions = {}) {
    this.#logger = logger;
    this.#source = source;
    this.#intervalMs = options.intervalMs ?? REDIS_ERROR_LOG_INTERVAL_MS;
    this.#message = options.message ?? 'redis error';
    this.#now = options.now ?? Date.now;
  }

  error(error: unknown): void {
    this.#errorsSinceReady += 1;
    const reason = redisErrorReason(error);
    const now = this.#now();
    const seen = this.#reasons.get(reason);
    if (seen && now - seen.loggedAt < this.#intervalMs) {
      seen.suppressed += 1;
      return;
    }
    this.#reasons.set(reason, { loggedAt: now, suppressed: 0 });
    const message = error instanceof Error ? error.message : String(error);
    this.#logger.warn(
      { redis: this.#source, reason, err: message, suppressed: seen?.suppressed ?? 0 },
      this.#message,
    );
  }

  ready(): void {
    if (this.#errorsSinceReady > 0)
      this.#logger.info(
        { redis: this.#source, errors: this.#errorsSinceReady },
        'redis connection ready again',
      );
    this.#errorsSinceReady = 0;
    // The next outage is news: its first error is logged at once.
    this.#reasons.clear();
  }
}

/** A BullMQ Queue, Worker or QueueEvents. */
interface ErrorEmitter {
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * Listens to the errors of a BullMQ Queue, Worker or QueueEvents — its connections' errors, which
 * it relays, and its own — and logs them through a RedisErrorLog named `source`. Also the listener
 * Node requires: an 'error' event nobody listens to is thrown.
 */
export function logRedisErrors(
  emitter: ErrorEmitter,
  source: string,
  logger: RedisLogger = defaultRedisLogger(),
  options: RedisErrorLogOptions = {},
): RedisErrorLog {
  const log = new RedisErrorLog(logger, source, { message: 'queue error', ...options });
  emitter.on('error', (error) => log.error(error));
  return log;
}
