import type { CreatedJob, JobList, JobView } from '@convoy/schemas';
import type { ErrorBody, ErrorDetail } from './http-error.js';
import { LruCache } from './lru-cache.js';

/** The API answered, but not with success: its `{ error }` body, kept for the caller to map. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly ErrorDetail[] | undefined,
  ) {
    super(message);
  }
}

/** The API could not be reached (refused, timed out, not HTTP). */
export class ApiUnavailableError extends Error {
  override readonly name = 'ApiUnavailableError';
}

export interface ApiClientOptions {
  /** `http://host:port` (optionally with a base path), no trailing slash. */
  readonly baseUrl: string;
  readonly token: string | undefined;
  readonly timeoutMs: number;
}

export interface ListJobsOptions {
  readonly type?: 'train' | 'visualize' | undefined;
  readonly state?: string | undefined;
  readonly limit?: number | undefined;
}

/** Terminal jobs never change again, so their views are kept (bounded). */
const TERMINAL_STATES: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);
export const isTerminalState = (state: string) => TERMINAL_STATES.has(state);

/**
 * The dashboard server's client of the Convoy API: adds the bearer token (which never leaves the
 * server), applies a timeout, and turns error bodies into ApiError.
 */
export class ApiClient {
  private readonly finishedJobs = new LruCache<JobView>({ maxEntries: 2_000 });

  constructor(private readonly options: ApiClientOptions) {}

  /** The API's URL of `path` (`/v1/jobs`). */
  url(path: string): string {
    return `${this.options.baseUrl}${path}`;
  }

  /** `Authorization` for a request to the API; empty without a token. */
  authorization(): Record<string, string> {
    return this.options.token === undefined
      ? {}
      : { authorization: `Bearer ${this.options.token}` };
  }

  /** One JSON request; resolves with the parsed body of a 2xx answer, throws ApiError otherwise. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(this.url(path), {
        method,
        headers: {
          accept: 'application/json',
          ...this.authorization(),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      throw new ApiUnavailableError(`the Convoy API at ${this.options.baseUrl} is unreachable`, {
        cause: error,
      });
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch (error) {
      throw new ApiUnavailableError(`the Convoy API answered ${method} ${path} with non-JSON`, {
        cause: error,
      });
    }
    if (response.ok) return parsed as T;
    const error = (parsed as Partial<ErrorBody> | undefined)?.error;
    throw new ApiError(
      response.status,
      error?.code ?? 'API_ERROR',
      error?.message ?? `the API answered ${response.status}`,
      error?.details,
    );
  }

  /** `GET /v1/jobs/:id`, or undefined when there is no such job. Finished jobs are remembered. */
  async getJob(id: string): Promise<JobView | undefined> {
    const known = this.finishedJobs.get(id);
    if (known !== undefined) return known;
    try {
      const view = await this.request<JobView>('GET', `/v1/jobs/${encodeURIComponent(id)}`);
      if (isTerminalState(view.state)) this.finishedJobs.set(id, view);
      return view;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** `GET /v1/jobs`, newest first. */
  listJobs(options: ListJobsOptions = {}): Promise<JobList> {
    const query = new URLSearchParams();
    if (options.type !== undefined) query.set('type', options.type);
    if (options.state !== undefined) query.set('state', options.state);
    query.set('limit', String(options.limit ?? 50));
    return this.request<JobList>('GET', `/v1/jobs?${query}`);
  }

  /** `POST /v1/jobs`. */
  createJob(body: { type: 'train' | 'visualize'; params: unknown }): Promise<CreatedJob> {
    return this.request<CreatedJob>('POST', '/v1/jobs', body);
  }
}
