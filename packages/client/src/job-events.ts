import { createParser, type EventSourceMessage } from 'eventsource-parser';
import {
  epochEventSchema,
  isTerminalState,
  jobViewSchema,
  progressEventSchema,
  type EpochEvent,
  type JobView,
  type ProgressEvent,
  type TerminalJobState,
} from '@convoy/schemas';
import { ApiUnreachableError, UnexpectedResponseError } from './errors.js';
import { apiErrorOf, parseBody, type ResponseSchema, type Transport } from './http.js';
import { RETRYABLE_STATUSES, retryDelayMs, sleep } from './retry.js';

interface JobEventFields {
  /**
   * The stream's last event id when this event arrived (undefined while the server sends none):
   * pass it as `lastEventId` to resume after this event.
   */
  readonly eventId: string | undefined;
}

/** One Server-Sent Event of `GET /v1/jobs/:id/events`, its data parsed. */
export type JobEvent =
  | (JobEventFields & { readonly type: 'progress'; readonly data: ProgressEvent })
  | (JobEventFields & { readonly type: 'epoch'; readonly data: EpochEvent })
  | (JobEventFields & { readonly type: TerminalJobState; readonly data: JobView });

export interface JobEventsOptions {
  /** Resume after this event: sent as `Last-Event-ID` from the first connection on. */
  readonly lastEventId?: string | undefined;
  /** Aborting ends the iteration (normally, without an error) and closes the stream. */
  readonly signal?: AbortSignal | undefined;
}

const EVENT_SCHEMAS: Readonly<Record<JobEvent['type'], ResponseSchema<unknown>>> = {
  progress: progressEventSchema,
  epoch: epochEventSchema,
  completed: jobViewSchema,
  failed: jobViewSchema,
  cancelled: jobViewSchema,
};

/**
 * A job's events until its terminal event (`completed`, `failed`, `cancelled`) or until `signal`
 * aborts. A stream that drops or ends before the terminal event is reopened after a backoff (at
 * least the server's `retry:`), with `Last-Event-ID` once the server has given ids; while it is
 * reopened, an API that does not answer (or answers 502/503/504) counts as one more drop. It gives
 * up after `retry.retries` drops in a row that brought no event. The first connection is retried
 * by the transport only; an error status (404, 401, …) is thrown as ApiError. A 204 (resumed
 * after the terminal event) ends the iteration.
 */
export async function* followJobEvents(
  transport: Transport,
  jobId: string,
  options: JobEventsOptions = {},
): AsyncGenerator<JobEvent, void, undefined> {
  const path = `/v1/jobs/${encodeURIComponent(jobId)}/events`;
  const signal = options.signal ?? new AbortController().signal;
  const stream: StreamState = { lastEventId: options.lastEventId, serverRetryMs: undefined };
  let dropsWithoutEvents = 0;
  let connected = false;
  while (!signal.aborted) {
    const response = await openStream(transport, path, stream.lastEventId, signal, connected);
    // 204: the stream resumed from the terminal event, so there is nothing left to follow.
    if (response?.status === 204) return;
    if (response !== undefined) {
      connected = true;
      try {
        for await (const event of jobEventsOf(response, jobId, stream, signal)) {
          dropsWithoutEvents = 0;
          yield event;
          if (isTerminalState(event.type)) return;
        }
      } catch (error) {
        // A bad event is the server's fault; anything else is the connection breaking (or the
        // signal aborting): reopened below.
        if (error instanceof UnexpectedResponseError) throw error;
      }
    }
    if (signal.aborted) return;
    dropsWithoutEvents += 1;
    if (dropsWithoutEvents > transport.retry.retries) {
      throw new ApiUnreachableError(
        `the event stream of job ${jobId} ended or could not be reopened ${dropsWithoutEvents} times in a row before the job did`,
      );
    }
    await sleep(retryDelayMs(transport.retry, dropsWithoutEvents, stream.serverRetryMs), signal);
  }
}

/**
 * The open stream, or undefined when the signal aborted or — once a stream was open — the API is
 * away for a while (refused, reset, 502/503/504: a restart), which the caller counts as a drop.
 */
async function openStream(
  transport: Transport,
  path: string,
  lastEventId: string | undefined,
  signal: AbortSignal,
  wasOpen: boolean,
): Promise<Response | undefined> {
  let response: Response;
  try {
    response = await transport.send(path, {
      method: 'GET',
      headers: {
        accept: 'text/event-stream',
        ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
      },
      signal,
      timeout: false,
    });
  } catch (error) {
    if (signal.aborted) return undefined;
    if (wasOpen && error instanceof ApiUnreachableError && !error.timedOut) return undefined;
    throw error;
  }
  if (response.ok) return response;
  if (wasOpen && RETRYABLE_STATUSES.has(response.status)) {
    await response.body?.cancel();
    return undefined;
  }
  throw await apiErrorOf(response);
}

interface StreamState {
  lastEventId: string | undefined;
  serverRetryMs: number | undefined;
}

/** The typed events of one open stream; updates the last event id and the server's `retry:`. */
async function* jobEventsOf(
  response: Response,
  jobId: string,
  stream: StreamState,
  signal: AbortSignal,
): AsyncGenerator<JobEvent, void, undefined> {
  for await (const message of messagesOf(response, signal, (ms) => (stream.serverRetryMs = ms))) {
    // As EventSource does: an id persists until the next one; an empty id clears it.
    if (message.id !== undefined) stream.lastEventId = message.id === '' ? undefined : message.id;
    const type = message.event;
    if (type === undefined || !Object.hasOwn(EVENT_SCHEMAS, type)) continue; // newer event kinds
    const what = `event "${type}" of job ${jobId}`;
    let data: unknown;
    try {
      data = JSON.parse(message.data);
    } catch {
      throw new UnexpectedResponseError(response.status, `${what}: its data is not JSON`);
    }
    const schema = EVENT_SCHEMAS[type as JobEvent['type']];
    const parsed = parseBody(response.status, what, schema, data);
    yield { type, data: parsed, eventId: stream.lastEventId } as JobEvent;
  }
}

/** The messages of an event stream as they arrive; the stream is closed when iteration stops. */
async function* messagesOf(
  response: Response,
  signal: AbortSignal,
  onRetry: (ms: number) => void,
): AsyncGenerator<EventSourceMessage, void, undefined> {
  if (response.body === null) return;
  const messages: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (message) => messages.push(message), onRetry });
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  const cancel = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', cancel, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
      while (messages.length > 0) yield messages.shift() as EventSourceMessage;
    }
  } finally {
    signal.removeEventListener('abort', cancel);
    cancel();
  }
}
