import { HttpError } from './http-error.js';

/** One open Server-Sent Events stream, as the registry sees it. */
export interface OpenStream {
  /** The client's address: streams are capped per address. */
  readonly client: string;
  /** Writes raw text (a heartbeat comment) to the stream. */
  write(text: string): void;
  /** Ends the stream (shutdown). */
  close(): void;
}

export interface EventStreamsOptions {
  /** Open streams at most; 503 beyond. */
  readonly maxStreams: number;
  /** Open streams per client address at most; 429 beyond. */
  readonly maxStreamsPerClient: number;
  /** Interval of the comment lines that keep idle streams open through proxies. */
  readonly heartbeatMs: number;
}

/** Seconds a refused client is asked to wait before it tries again. */
const RETRY_AFTER_SECONDS = '5';

/**
 * Every open event stream of the API: admits streams within the caps, keeps them alive with one
 * heartbeat timer for all (not one per stream), counts them for /metrics, and ends them on
 * shutdown.
 */
export class EventStreams {
  private readonly open = new Set<OpenStream>();
  private readonly perClient = new Map<string, number>();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly options: EventStreamsOptions) {}

  get size(): number {
    return this.open.size;
  }

  /**
   * Registers `stream`, or throws 503 EVENT_STREAMS_FULL when the API holds its maximum and 429
   * TOO_MANY_EVENT_STREAMS when its client does. The returned function unregisters it.
   */
  admit(stream: OpenStream): () => void {
    const ofClient = this.perClient.get(stream.client) ?? 0;
    if (this.open.size >= this.options.maxStreams) {
      throw refused(
        503,
        'EVENT_STREAMS_FULL',
        `the API holds its maximum of ${this.options.maxStreams} event streams`,
      );
    }
    if (ofClient >= this.options.maxStreamsPerClient) {
      throw refused(
        429,
        'TOO_MANY_EVENT_STREAMS',
        `this client has ${ofClient} event streams open, the most one client may`,
      );
    }
    this.open.add(stream);
    this.perClient.set(stream.client, ofClient + 1);
    this.heartbeat ??= this.startHeartbeat();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release(stream);
    };
  }

  /** Ends every open stream (their connections then turn idle and the server can close). */
  closeAll(): void {
    for (const stream of [...this.open]) stream.close();
    this.stopHeartbeat();
  }

  private release(stream: OpenStream): void {
    if (!this.open.delete(stream)) return;
    const left = (this.perClient.get(stream.client) ?? 1) - 1;
    if (left > 0) this.perClient.set(stream.client, left);
    else this.perClient.delete(stream.client);
    if (this.open.size === 0) this.stopHeartbeat();
  }

  private startHeartbeat(): NodeJS.Timeout {
    const timer = setInterval(() => {
      for (const stream of this.open) stream.write(': heartbeat\n\n');
    }, this.options.heartbeatMs);
    timer.unref();
    return timer;
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}

function refused(status: 429 | 503, code: string, message: string): HttpError {
  return new HttpError(status, code, message, { headers: { 'Retry-After': RETRY_AFTER_SECONDS } });
}
