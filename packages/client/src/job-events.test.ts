import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiUnreachableError,
  ConvoyClient,
  JobNotFoundError,
  UnexpectedResponseError,
  type JobEvent,
} from './index.js';
import {
  jobView,
  openEventStream,
  sendError,
  startTestServer,
  writeEvent,
  type TestServer,
} from './test-server.test-helper.js';

const JOB_ID = 'train_mabc1234def';
const PROGRESS = {
  id: JOB_ID,
  state: 'active',
  progress: { epoch: 1, epochs: 2, batch: 10, batches: 10, percent: 50 },
};
const EPOCH = {
  epoch: 1,
  loss: 0.5,
  accuracy: 0.8,
  val_loss: 0.55,
  val_accuracy: 0.79,
  seconds: 2,
};
const FINISHED = jobView({
  state: 'completed',
  progress: null,
  finishedAt: '2025-01-01T00:01:00Z',
});

let server: TestServer;
let client: ConvoyClient;
/** Streams the test server has open, to see them closed. */
const open = new Set<ServerResponse>();

beforeAll(async () => {
  server = await startTestServer();
  client = new ConvoyClient({
    baseUrl: server.url,
    retry: { retries: 2, baseDelayMs: 10, maxDelayMs: 1_000 },
  });
});
afterAll(() => server.close());
afterEach(() => {
  server.requests.length = 0;
  for (const response of open) response.end();
  open.clear();
});

async function collect(events: AsyncIterable<JobEvent>): Promise<JobEvent[]> {
  const seen: JobEvent[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}

function track(response: ServerResponse): ServerResponse {
  open.add(response);
  response.on('close', () => open.delete(response));
  return response;
}

// Short limits: a broken reconnect loops rather than failing.
describe('events', { timeout: 10_000 }, () => {
  it('yields typed events and ends after the terminal one, though the server keeps the stream open', async () => {
    server.handle((_request, raw) => {
      const response = track(raw);
      openEventStream(response, 10);
      writeEvent(response, 'progress', PROGRESS);
      writeEvent(response, 'epoch', { id: JOB_ID, ...EPOCH });
      response.write(': heartbeat\n\n');
      writeEvent(response, 'completed', FINISHED);
    });
    const events = await collect(client.events(JOB_ID));
    expect(events).toEqual([
      { type: 'progress', data: PROGRESS, eventId: undefined },
      { type: 'epoch', data: { ...EPOCH, id: JOB_ID }, eventId: undefined },
      { type: 'completed', data: FINISHED, eventId: undefined },
    ]);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.url).toBe(`/v1/jobs/${JOB_ID}/events`);
    expect(server.requests[0]?.headers.accept).toBe('text/event-stream');
    await waitUntil(() => open.size === 0); // the client closed it
  });

  it('reconnects after a dropped stream, resuming with Last-Event-ID', async () => {
    server.handle((request, raw) => {
      const response = track(raw);
      openEventStream(response, 20);
      if (request.headers['last-event-id'] === undefined) {
        writeEvent(response, 'progress', PROGRESS, '7');
        writeEvent(response, 'epoch', { id: JOB_ID, ...EPOCH }, '8');
        setTimeout(() => response.socket?.destroy(), 50); // dropped mid-stream, once they are out
      } else {
        writeEvent(response, 'completed', FINISHED, '9');
      }
    });
    const events = await collect(client.events(JOB_ID));
    expect(events.map((event) => [event.type, event.eventId])).toEqual([
      ['progress', '7'],
      ['epoch', '8'],
      ['completed', '9'],
    ]);
    expect(server.requests.map((request) => request.headers['last-event-id'])).toEqual([
      undefined,
      '8',
    ]);
  });

  it('reconnects without Last-Event-ID while the server gives no ids, after a stream that ended early', async () => {
    let connections = 0;
    server.handle((_request, response) => {
      connections += 1;
      openEventStream(response, 20);
      writeEvent(response, 'progress', PROGRESS);
      if (connections === 1)
        response.end(); // e.g. the API restarting
      else writeEvent(response, 'failed', { ...FINISHED, state: 'failed' });
    });
    const events = await collect(client.events(JOB_ID));
    expect(events.map((event) => event.type)).toEqual(['progress', 'progress', 'failed']);
    expect(server.requests.map((request) => 'last-event-id' in request.headers)).toEqual([
      false,
      false,
    ]);
  });

  it('waits for an API that restarts: refused reopenings count as drops, not as the end', async () => {
    let connections = 0;
    server.handle((_request, response) => {
      connections += 1;
      if (connections === 1) {
        openEventStream(response, 20);
        writeEvent(response, 'progress', PROGRESS);
        response.end(); // the API shutting down ends its streams…
      } else if (connections <= 5) {
        response.socket?.destroy(); // …and is away for longer than one request's retries
      } else {
        openEventStream(response, 20);
        writeEvent(response, 'completed', FINISHED);
      }
    });
    const events = await collect(client.events(JOB_ID));
    expect(events.map((event) => event.type)).toEqual(['progress', 'completed']);
    expect(server.requests).toHaveLength(6);
  });

  it('does not wait for an API it never reached', async () => {
    server.handle((_request, response) => response.socket?.destroy());
    await expect(collect(client.events(JOB_ID))).rejects.toThrow(/cannot reach the Convoy API/);
    expect(server.requests).toHaveLength(3); // the transport's own retries only
  });

  it('sends the lastEventId it is given on the first connection', async () => {
    server.handle((_request, response) => {
      openEventStream(response);
      writeEvent(response, 'cancelled', { ...FINISHED, state: 'cancelled' }, '43');
    });
    const events = await collect(client.events(JOB_ID, { lastEventId: '42' }));
    expect(events.map((event) => event.type)).toEqual(['cancelled']);
    expect(server.requests[0]?.headers['last-event-id']).toBe('42');
  });

  it('ends without events when the API says the stream is over (204 after the terminal event)', async () => {
    server.handle((_request, response) => {
      response.writeHead(204).end();
    });
    const events = await collect(client.events(JOB_ID, { lastEventId: '3.end' }));
    expect(events).toEqual([]);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.headers['last-event-id']).toBe('3.end');
  });

  it('ends without an error when the signal aborts, and closes the stream', async () => {
    server.handle((_request, raw) => {
      const response = track(raw);
      openEventStream(response);
      writeEvent(response, 'progress', PROGRESS);
    });
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const event of client.events(JOB_ID, { signal: controller.signal })) {
      seen.push(event.type);
      setTimeout(() => controller.abort(), 50); // while the iterator waits for the next event
    }
    expect(seen).toEqual(['progress']);
    await waitUntil(() => open.size === 0);
    expect(server.requests).toHaveLength(1);
  });

  it('closes the stream when the caller stops iterating', async () => {
    server.handle((_request, raw) => {
      const response = track(raw);
      openEventStream(response);
      writeEvent(response, 'progress', PROGRESS);
    });
    for await (const event of client.events(JOB_ID)) {
      expect(event.type).toBe('progress');
      break;
    }
    await waitUntil(() => open.size === 0);
  });

  it('throws the API’s error for an unknown job instead of reconnecting', async () => {
    server.handle((_request, response) =>
      sendError(response, 404, 'JOB_NOT_FOUND', `job "${JOB_ID}" not found`),
    );
    await expect(collect(client.events(JOB_ID))).rejects.toBeInstanceOf(JobNotFoundError);
    expect(server.requests).toHaveLength(1);
  });

  it('gives up when the stream keeps ending before the job does and brings nothing', async () => {
    server.handle((_request, response) => {
      openEventStream(response, 10);
      response.end();
    });
    await expect(collect(client.events(JOB_ID))).rejects.toThrow(ApiUnreachableError);
    expect(server.requests).toHaveLength(3); // the first connection and 2 reopenings
  });

  it('an event whose data does not match its schema is an UnexpectedResponseError', async () => {
    server.handle((_request, raw) => {
      const response = track(raw);
      openEventStream(response);
      writeEvent(response, 'epoch', { id: JOB_ID, epoch: 'one' });
    });
    const error = await collect(client.events(JOB_ID)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect((error as Error).message).toMatch(/event "epoch" of job train_mabc1234def: .*epoch/);
  });

  it('skips event kinds it does not know', async () => {
    server.handle((_request, response) => {
      openEventStream(response);
      writeEvent(response, 'log', { line: 'hello' });
      writeEvent(response, 'completed', FINISHED);
    });
    expect((await collect(client.events(JOB_ID))).map((event) => event.type)).toEqual([
      'completed',
    ]);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
