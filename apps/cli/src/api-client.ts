import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** An error the Convoy API answered with (`{ error: { code, message, details } }`). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface ApiClientOptions {
  readonly baseUrl: string;
  readonly token: string | undefined;
}

/** The few calls the CLI makes against API_URL. */
export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
      ...extra,
    };
  }

  private url(path: string): string {
    return new URL(path, this.options.baseUrl).toString();
  }

  async request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(this.url(path), {
        method,
        headers: this.headers(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new Error(
        `cannot reach the Convoy API at ${this.options.baseUrl} (set API_URL): ${(error as Error).message}`,
        { cause: error },
      );
    }
    const text = await response.text();
    const payload = text ? (JSON.parse(text) as unknown) : null;
    if (!response.ok) {
      const error = (
        payload as { error?: { code?: string; message?: string; details?: unknown } } | null
      )?.error;
      throw new ApiError(
        response.status,
        error?.code ?? `HTTP_${response.status}`,
        error?.message ?? response.statusText,
        error?.details,
      );
    }
    return payload as T;
  }

  /** Follows a job's Server-Sent Events until the server closes the stream or `signal` aborts. */
  async streamEvents(
    id: string,
    onEvent: (event: EventSourceMessage) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const response = await fetch(this.url(`/v1/jobs/${encodeURIComponent(id)}/events`), {
      headers: this.headers({ accept: 'text/event-stream' }),
      ...(signal ? { signal } : {}),
    });
    if (!response.ok || !response.body) {
      const text = await response.text();
      const error = text
        ? (JSON.parse(text) as { error?: { code?: string; message?: string } }).error
        : undefined;
      throw new ApiError(
        response.status,
        error?.code ?? `HTTP_${response.status}`,
        error?.message ?? response.statusText,
      );
    }
    const parser = createParser({ onEvent });
    const decoder = new TextDecoder();
    for await (const chunk of response.body)
      parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
  }
}
