import { UnrecoverableError, type Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createdJobSchema,
  epochEventSchema,
  jobViewSchema,
  progressEventSchema,
} from '@convoy/schemas';
import {
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
  api = await startTestApi({ sseHeartbeatMs: 50 });
});
afterAll(async () => {
  await api.stop();
});

async function createTrainJob(epochs: number): Promise<string> {
  const response = await api.request('/v1/jobs', {
    method: 'POST',
    json: { type: 'train', params: { epochs } },
  });
  expect(response.status).toBe(202);
  return createdJobSchema.parse(await response.json()).id;
}

/** Opens the stream and resolves `connected` once its first event (the current state) arrived. */
function openStream(id: string) {
  let markConnected: () => void = () => undefined;
  const connected = new Promise<void>((resolve) => (markConnected = resolve));
  const done = api.request(`/v1/jobs/${id}/events`).then((response) => {
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('cache-control')).toMatch(/no-cache/);
    return readEvents(response, undefined, () => markConnected());
  });
  return { connected, done };
}

const names = (events: ServerSentEvent[]) => events.map((event) => event.event);

async function metricValue(pattern: RegExp): Promise<number | undefined> {
  const text = await (await api.request('/metrics')).text();
  const match = pattern.exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

describe('GET /v1/jobs/:id/events', () => {
  it('streams progress, epoch and completed events from a real worker run', async () => {
    const id = await createTrainJob(2);
    const stream = openStream(id);
    await stream.connected;

    const worker = await api.startWorker('train', async (job: Job) => {
      await job.updateProgress(trainingReport(0, 2, 5));
      await job.updateProgress(trainingReport(1, 2, 10)); // epoch 1 done
      await job.updateProgress(trainingReport(1, 2, 5));
      await job.updateProgress(trainingReport(2, 2, 10)); // epoch 2 done
      return trainingResult(2);
    });
    const { events, ended } = await stream.done;
    expect(ended).toBe(true);

    const [first, ...rest] = events;
    expect(first?.event).toBe('progress');
    expect(progressEventSchema.parse(first?.data)).toEqual({
      id,
      state: 'waiting',
      progress: null,
    });
    await worker.close();
    expect(names(rest)).toEqual([
      'progress',
      'epoch',
      'progress',
      'progress',
      'epoch',
      'progress',
      'completed',
    ]);
    const epochs = rest
      .filter((event) => event.event === 'epoch')
      .map((event) => epochEventSchema.parse(event.data));
    expect(epochs.map((epoch) => [epoch.id, epoch.epoch])).toEqual([
      [id, 1],
      [id, 2],
    ]);
    const progress = rest
      .filter((event) => event.event === 'progress')
      .map((event) => progressEventSchema.parse(event.data));
    expect(progress.every((event) => event.state === 'active')).toBe(true);
    expect(progress.map((event) => event.progress?.epoch)).toEqual([1, 2, 2, 2]);

    const completed = jobViewSchema.parse(rest.at(-1)?.data);
    expect(completed).toMatchObject({
      id,
      state: 'completed',
      backend: 'wasm',
      device: 'cpu',
      error: null,
      attempts: 1,
      result: { imagesPerSecond: 412.5, epochsRun: 2 },
    });
    expect(completed.history.map((record) => record.epoch)).toEqual([1, 2]);
    expect(completed.startedAt).not.toBeNull();
    expect(completed.finishedAt).not.toBeNull();

    // The same job through GET, and a second client after the end: current state, terminal event, end.
    const view = jobViewSchema.parse(await (await api.request(`/v1/jobs/${id}`)).json());
    expect(view).toMatchObject({
      state: 'completed',
      progress: { epoch: 2, epochs: 2, percent: 100 },
    });
    const late = await readEvents(await api.request(`/v1/jobs/${id}/events`));
    expect(late.ended).toBe(true);
    expect(names(late.events)).toEqual(['progress', 'completed']);
    expect(late.events[0]?.data).toMatchObject({ id, state: 'completed', progress: { epoch: 2 } });
    expect(jobViewSchema.parse(late.events[1]?.data).state).toBe('completed');

    // Metrics saw the finished job.
    expect(await metricValue(/^convoy_job_duration_seconds_count\{type="train"\} (\d+)/m)).toBe(1);
    expect(await metricValue(/^convoy_training_images_per_second (\S+)/m)).toBe(412.5);
    expect(await metricValue(/^convoy_jobs\{type="train",state="completed"\} (\d+)/m)).toBe(1);
  });

  it('ends with a failed event when the job fails for good', async () => {
    const id = await createTrainJob(1);
    const stream = openStream(id);
    await stream.connected;
    const worker = await api.startWorker('train', async (job: Job) => {
      await job.updateProgress(trainingReport(0, 1, 3));
      throw new UnrecoverableError('the data set is corrupt');
    });
    const { events, ended } = await stream.done;
    await worker.close();
    expect(ended).toBe(true);
    expect(names(events)).toEqual(['progress', 'progress', 'failed']);
    expect(jobViewSchema.parse(events.at(-1)?.data)).toMatchObject({
      id,
      state: 'failed',
      error: { code: 'JOB_FAILED', message: 'the data set is corrupt' },
      result: null,
    });
    const late = await readEvents(await api.request(`/v1/jobs/${id}/events`));
    expect(names(late.events)).toEqual(['progress', 'failed']);
  });

  it('sends heartbeats and forgets a client that disconnects', async () => {
    // No worker takes this queue's jobs any more: the job stays waiting.
    await api.stop();
    api = await startTestApi({ sseHeartbeatMs: 50 });
    const id = await createTrainJob(1);
    const response = await api.request(`/v1/jobs/${id}/events`);
    const reader = response.body?.getReader();
    if (!reader) throw new Error('no body');
    let text = '';
    const decoder = new TextDecoder();
    while (!text.includes(': heartbeat')) {
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toContain('event: progress');
    expect(await metricValue(/^convoy_event_streams (\d+)/m)).toBe(1);
    await reader.cancel();
    await waitFor(
      async () => ((await metricValue(/^convoy_event_streams (\d+)/m)) === 0 ? true : undefined),
      'the stream to be released',
    );
  });
});
