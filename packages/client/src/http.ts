import { errorBodySchema } from '@convoy/schemas';
import {
  ApiError,
  ApiUnreachableError,
  JobNotFoundError,
  UnexpectedResponseError,
} from './errors.js';
import {
  parseRetryAfter,
  retryDelayMs,
  RETRYABLE_STATUSES,
  sleep,
  type RetryPolicy,
} from './retry.js';

/** What the client needs of a zod schema (structurally: it depends on @convoy/schemas, not on zod). */
export interface ResponseSchema<T> {
  safeParse(value: unknown):
    | { success: true; data: T }
    | {
        success: false;
        error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] };
      };
}

export interface TransportOptions {
  readonly baseUrl: string;
  readonly token: string | undefined;
  readonly fetch: typeof fetch;
  readonly retry: RetryPolicy;
  readonly timeoutMs: number | undefined;
}

export interface SendOptions {
  readonly method: 'GET' | 'HEAD' | 'POST' | 'PATCH' | 'DELETE';
  /** Sent as JSON. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal | undefined;
  /** Streams have no time limit: they last as long as the job. */
  readonly timeout?: boolean;
  /** False where a 503 is an answer, not a hiccup (`/healthz`). */
  readonly retryOnStatus?: boolean;
}

/**
 * One HTTP exchange with the API: URL, token, time limit, and retries where they are safe — GET,
 * HEAD and DELETE after a network error or a 502/503/504, never POST (a lost answer may mean
 * an enqueued job, and a second POST would enqueue another).
 */
export class Transport {
  private readonly baseUrl: string;
  constructor(private readonly options: TransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  get retry(): RetryPolicy {
    return this.options.retry;
  }

  /** The response of the last attempt; rejects with ApiUnreachableError when none answered. */
  async send(path: string, request: SendOptions): Promise<Response> {
    const idempotent = request.method !== 'POST';
    const retries = idempotent ? this.options.retry.retries : 0;
    for (let attempt = 0; ; attempt += 1) {
      const canRetry = attempt < retries;
      let response: Response;
      try {
        response = await this.attempt(path, request);
      } catch (error) {
        if (request.signal?.aborted || !(error instanceof ApiUnreachableError) || error.timedOut)
          throw error;
        if (!canRetry) throw error;
        await sleep(retryDelayMs(this.options.retry, attempt + 1), request.signal);
        continue;
      }
      if (!canRetry || request.retryOnStatus === false || !RETRYABLE_STATUSES.has(response.status))
        return response;
      const serverAsked = parseRetryAfter(response.headers.get('retry-after'));
      await response.body?.cancel();
      await sleep(retryDelayMs(this.options.retry, attempt + 1, serverAsked), request.signal);
    }
  }

  /** A 2xx answer's JSON body, parsed with `schema`; an error status is thrown as ApiError. */
  async json<T>(path: string, request: SendOptions, schema: ResponseSchema<T>): Promise<T> {
    const response = await this.send(path, request);
    return readJson(response, `${request.method} ${path}`, schema);
  }

  private async attempt(path: string, request: SendOptions): Promise<Response> {
    const timeoutMs = request.timeout === false ? undefined : this.options.timeoutMs;
    const timeout = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
    const signals = [request.signal, timeout].filter((signal) => signal !== undefined);
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(this.options.token === undefined
        ? {}
        : { authorization: `Bearer ${this.options.token}` }),
      ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...request.headers,
    };
    try {
      return await this.options.fetch(`${this.baseUrl}${path}`, {
        method: request.method,
        headers,
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        ...(signals.length === 0 ? {} : { signal: AbortSignal.any(signals) }),
      });
    } catch (error) {
      if (request.signal?.aborted) throw error;
      if (timeout?.aborted) {
        throw new ApiUnreachableError(
          `the Convoy API at ${this.baseUrl} did not answer within ${timeoutMs} ms (set API_URL)`,
          { cause: error },
          true,
        );
      }
      throw new ApiUnreachableError(
        `cannot reach the Convoy API at ${this.baseUrl} (set API_URL): ${describeNetworkError(error)}`,
        { cause: error },
      );
    }
  }
}

/** The body of a 2xx response parsed with `schema`, or the ApiError of any other status. */
export async function readJson<T>(
  response: Response,
  what: string,
  schema: ResponseSchema<T>,
): Promise<T> {
  if (!response.ok) throw await apiErrorOf(response);
  return readBody(response, what, schema);
}

/** The JSON body parsed with `schema`, whatever the status (for statuses that are answers). */
export async function readBody<T>(
  response: Response,
  what: string,
  schema: ResponseSchema<T>,
): Promise<T> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new UnexpectedResponseError(
      response.status,
      `${what}: the API answered ${response.status} with a body that is not JSON: ${preview(text)}`,
    );
  }
  return parseBody(response.status, what, schema, body);
}

export function parseBody<T>(
  status: number,
  what: string,
  schema: ResponseSchema<T>,
  body: unknown,
): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.map(String).join('.') || '(body)'}: ${issue.message}`)
    .join('; ');
  throw new UnexpectedResponseError(
    status,
    `${what}: the API's answer does not match its schema (${issues})`,
  );
}

/** An error status as ApiError: the API's error body when it is one, else `HTTP_<status>`. */
export async function apiErrorOf(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) {
    const message = response.statusText || `the API answered ${response.status}`;
    return new ApiError(response.status, `HTTP_${response.status}`, message);
  }
  const { code, message, details } = parsed.data.error;
  const ErrorClass =
    response.status === 404 && code === 'JOB_NOT_FOUND' ? JobNotFoundError : ApiError;
  return new ErrorClass(response.status, code, message, details);
}

/** fetch() says "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, …) is in its cause. */
function describeNetworkError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === 'string' ? `${message} (${cause.code})` : message;
}

function preview(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(line.length > 80 ? `${line.slice(0, 80)}…` : line);
}
