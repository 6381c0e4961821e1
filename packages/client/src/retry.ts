/** How idempotent requests are retried, and how a dropped event stream reconnects. */
export interface RetryOptions {
  /** Attempts after the first (default 3). */
  readonly retries?: number;
  /** The first wait; each further one doubles (default 200 ms). */
  readonly baseDelayMs?: number;
  /** No wait is longer, `Retry-After` included (default 5 s). */
  readonly maxDelayMs?: number;
}

export interface RetryPolicy {
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Statuses a proxy or an API without Redis answers for a while: worth another try. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

export function retryPolicyOf(options: RetryOptions | false | undefined): RetryPolicy {
  if (options === false) return { retries: 0, baseDelayMs: 0, maxDelayMs: 0 };
  return {
    retries: options?.retries ?? 3,
    baseDelayMs: options?.baseDelayMs ?? 200,
    maxDelayMs: options?.maxDelayMs ?? 5_000,
  };
}

/**
 * The wait before retry number `retry` (1, 2, …): exponential, capped, and never shorter than what
 * the server asked for (`Retry-After`, or an event stream's `retry:`) unless that is over the cap.
 */
export function retryDelayMs(policy: RetryPolicy, retry: number, serverAskedMs?: number): number {
  const backoff = policy.baseDelayMs * 2 ** Math.max(0, retry - 1);
  return Math.min(policy.maxDelayMs, Math.max(backoff, serverAskedMs ?? 0));
}

/** `Retry-After` in milliseconds: delay-seconds or an HTTP date; undefined when absent or malformed. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1_000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Resolves after `ms`, or at once when `signal` aborts (the caller checks the signal). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
