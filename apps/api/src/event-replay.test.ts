import { request as httpRequest } from 'node:http';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createdJobSchema, epochEventSchema } from '@convoy/schemas';
import {
  expectError,
  readEvents,
  startTestApi,
  trainingReport,
  trainingResult,
  waitFor,
  type ServerSentEvent,
  type TestApi,
} from './api.test-helper.js';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({ sseHeartbeatMs: 1_000 });
});
afterAll(async () => {
  await api.stop();
});

async function createTrainJob(target: TestApi = api): Promise<string> {
  const response = await target.request('/v1/jobs', {
    method: 'POST',
    json: { type: 'train', params: { epochs: 4 } },
  });
  expect(response.status).toBe(202);
  return createdJobSchema.parse(await response.json()).id;
}

/** A promise and the function that settles it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((settle) => (resolve = settle));
  return { promise, resolve };
}

const summary = (events: ServerSentEvent[]) =>
  events.map((event) =>
    event.event === 'epoch'
      ? `epoch ${epochEventSchema.parse(event.data).epoch} #${event.id}`
      : `${event.event} #${event.id}`,
  );

/** Reads a job's stream until `last` arrives (or the stream ends). */
async function streamUntil(
  id: string,
  last: (event: ServerSentEvent) => boolean,
  headers: Record<string, string> = {},
  query = '',
): Promise<ServerSentEvent[]> {
  const response = await api.request(`/v1/jobs/${id}/events${query}`, { headers });
  expect(response.status).toBe(200);
  return (await readEvents(response, last)).events;
}

async function historyLength(id: string): Promise<number> {
  const job = (await (await api.request(`/v1/jobs/${id}`)).json()) as { history: unknown[] };
  return job.history.length;
}

describe('event ids and Last-Event-ID', () => {
  it('replays exactly the epochs a client missed, in order, from the job in Redis', async () => {
    const id = await createTrainJob();
    const gates = [deferred(), deferred()];
    let markConnected: () => void = () => undefined;
    const connected = new Promise<void>((resolve) => (markConnected = resolve));
    const firstEvents = api.request(`/v1/jobs/${id}/events`).then(async (response) => {
      const read = await readEvents(response, (event) => event.event === 'epoch', markConnected);
      return read.events;
    });
    await connected; // the worker starts after the client has the job's first state
    const worker = await api.startWorker('train', async (job: Job) => {
      await job.updateProgress(trainingReport(1, 4)); // epoch 1
      await gates[0]?.promise;
      await job.updateProgress(trainingReport(2, 4)); // while nobody listens
      await job.updateProgress(trainingReport(3, 4));
      await job.updateProgress(trainingReport(3, 4, 5)); // mid-epoch 4
      await gates[1]?.promise;
      await job.updateProgress(trainingReport(4, 4));
      return trainingResult(4);
    });

    // The first client sees epoch 1 and goes away.
    const seen = await firstEvents;
    expect(seen.every((event) => event.id !== undefined)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ event: 'epoch', id: '1' });

    gates[0]?.resolve();
    await waitFor(async () => ((await historyLength(id)) === 3 ? true : undefined), 'epoch 3');

    // Two clients resume after epoch 1: by header (EventSource) and by query (a new EventSource).
    const isCompleted = (event: ServerSentEvent) => event.event === 'completed';
    const byHeader = streamUntil(id, isCompleted, { 'last-event-id': '1' });
    const byQuery = streamUntil(id, isCompleted, {}, '?lastEventId=1');
    await new Promise((resolve) => setTimeout(resolve, 300));
    gates[1]?.resolve();
    const expected = [
      'epoch 2 #2',
      'epoch 3 #3',
      'progress #3', // the latest report: the mid-epoch ones in between are coalesced
      'epoch 4 #4',
      'progress #4',
      'completed #4.end',
    ];
    expect(summary(await byHeader)).toEqual(expected);
    expect(summary(await byQuery)).toEqual(expected);
    await worker.close();

    // After the end: resuming from the terminal event is 204 (EventSource stops there); from an
    // epoch, the epochs after it and the terminal event; with no id, the state and the end.
    const ended = await api.request(`/v1/jobs/${id}/events`, {
      headers: { 'last-event-id': '4.end' },
    });
    expect(ended.status).toBe(204);
    expect(summary(await streamUntil(id, isCompleted, { 'last-event-id': '2' }))).toEqual([
      'epoch 3 #3',
      'epoch 4 #4',
      'completed #4.end',
    ]);
    expect(summary(await streamUntil(id, isCompleted))).toEqual([
      'progress #4',
      'completed #4.end',
    ]);
  });

  it('refuses an id it did not give, and unknown query parameters', async () => {
    const id = await createTrainJob();
    for (const bad of ['abc', '-1', '1.2', '01', '3.END']) {
      const response = await api.request(`/v1/jobs/${id}/events`, {
        headers: { 'last-event-id': bad },
      });
      await expectError(response, 400, 'VALIDATION_FAILED');
    }
    await expectError(
      await api.request(`/v1/jobs/${id}/events?lastEventId=x`),
      400,
      'VALIDATION_FAILED',
    );
    await expectError(await api.request(`/v1/jobs/${id}/events?since=1`), 400, 'VALIDATION_FAILED');
    await expectError(
      await api.request('/v1/jobs/train_zzzzzzzzzzzz/events', {
        headers: { 'last-event-id': '1' },
      }),
      404,
      'JOB_NOT_FOUND',
    );
  });
});

describe('event stream caps', () => {
  /** Opens a stream from a given loopback address; resolves with the status once headers came. */
  function openFrom(target: TestApi, id: string, localAddress: string) {
    const url = new URL(target.baseUrl);
    return new Promise<{ status: number; retryAfter: unknown; close: () => void }>(
      (resolve, reject) => {
        const request = httpRequest(
          { host: url.hostname, port: url.port, path: `/v1/jobs/${id}/events`, localAddress },
          (response) => {
            const close = () => request.destroy();
            resolve({
              status: response.statusCode ?? 0,
              retryAfter: response.headers['retry-after'],
              close,
            });
          },
        );
        request.on('error', reject).end();
      },
    );
  }

  it('answers 429 beyond the streams of one client and 503 beyond all, and frees places', async () => {
    const capped = await startTestApi({ maxEventStreams: 3, maxEventStreamsPerClient: 2 });
    try {
      const id = await createTrainJob(capped);
      const first = await openFrom(capped, id, '127.0.0.1');
      const second = await openFrom(capped, id, '127.0.0.1');
      expect([first.status, second.status]).toEqual([200, 200]);
      const third = await openFrom(capped, id, '127.0.0.1');
      expect(third).toMatchObject({ status: 429, retryAfter: '5' });
      const other = await openFrom(capped, id, '127.0.0.2');
      expect(other.status).toBe(200);
      const full = await openFrom(capped, id, '127.0.0.3');
      expect(full).toMatchObject({ status: 503, retryAfter: '5' });

      // A stream that ends gives its place back.
      first.close();
      const again = await waitFor(async () => {
        const attempt = await openFrom(capped, id, '127.0.0.1');
        if (attempt.status === 200) return attempt;
        attempt.close();
        return undefined;
      }, 'a freed place');
      for (const stream of [second, third, other, full, again]) stream.close();
    } finally {
      await capped.stop();
    }
  });
});
