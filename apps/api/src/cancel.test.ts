import { UnrecoverableError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANCELLED_REASON, createRedisConnection } from '@convoy/queue';
import {
  cancelRequestedSchema,
  createdJobSchema,
  jobCancelledSchema,
  jobViewSchema,
  type JobView,
} from '@convoy/schemas';
import {
  expectError,
  readEvents,
  REDIS_URL,
  startTestApi,
  trainingReport,
  waitFor,
  type TestApi,
} from './api.test-helper.js';

let api: TestApi;
let subscriber: Redis;

beforeAll(async () => {
  api = await startTestApi();
  subscriber = createRedisConnection(REDIS_URL, 'blocking');
});
afterAll(async () => {
  subscriber.disconnect();
  await api.stop();
});

async function createTrainJob(): Promise<string> {
  const response = await api.request('/v1/jobs', { method: 'POST', json: { type: 'train' } });
  expect(response.status).toBe(202);
  return createdJobSchema.parse(await response.json()).id;
}

async function getJob(id: string): Promise<JobView> {
  const response = await api.request(`/v1/jobs/${id}`);
  expect(response.status).toBe(200);
  return jobViewSchema.parse(await response.json());
}

describe('DELETE /v1/jobs/:id', () => {
  it('removes a waiting job: 200 cancelled, and it stays known as cancelled', async () => {
    const id = await createTrainJob();
    const response = await api.request(`/v1/jobs/${id}`, { method: 'DELETE' });
    expect(response.status).toBe(200);
    expect(jobCancelledSchema.parse(await response.json())).toEqual({ id, state: 'cancelled' });

    expect(await api.queues.find(id)).toBeUndefined(); // gone from BullMQ
    const job = await getJob(id);
    expect(job).toMatchObject({
      id,
      type: 'train',
      state: 'cancelled',
      cancelRequested: true,
      error: null,
      startedAt: null,
      params: { epochs: 10 },
    });
    expect(job.finishedAt).not.toBeNull();

    const list = await (await api.request('/v1/jobs?state=cancelled')).json();
    expect(list).toMatchObject({ items: [{ id, state: 'cancelled' }] });
    const stream = await readEvents(await api.request(`/v1/jobs/${id}/events`));
    expect(stream.ended).toBe(true);
    expect(stream.events.map((event) => event.event)).toEqual(['progress', 'cancelled']);

    await expectError(
      await api.request(`/v1/jobs/${id}`, { method: 'DELETE' }),
      409,
      'JOB_FINISHED',
    );
  });

  it('asks the worker to stop an active job: 202, then the job turns cancelled', async () => {
    const id = await createTrainJob();
    // A worker that trains until it is told to stop, as the real one does between batches.
    await api.startWorker('train', async (job: Job) => {
      const jobId = job.id ?? '';
      let stopWatching: (() => Promise<void>) | undefined;
      const cancelled = new Promise<void>((resolve) => {
        void api.queues.cancellation
          .watch(subscriber, (cancelledId) => {
            if (cancelledId === jobId) resolve();
          })
          .then(async (stop) => {
            stopWatching = stop;
            if (await api.queues.cancellation.isRequested(jobId)) resolve();
          });
      });
      await job.updateProgress(trainingReport(0, 10, 1));
      await cancelled;
      await stopWatching?.();
      throw new UnrecoverableError(CANCELLED_REASON);
    });

    await waitFor(
      async () => ((await getJob(id)).progress !== null ? true : undefined),
      'the job to run',
    );
    const running = await getJob(id);
    expect(running).toMatchObject({
      state: 'active',
      cancelRequested: false,
      progress: { epoch: 1 },
    });
    const stream = api.request(`/v1/jobs/${id}/events`).then((response) => readEvents(response));

    const response = await api.request(`/v1/jobs/${id}`, { method: 'DELETE' });
    expect(response.status).toBe(202);
    expect(cancelRequestedSchema.parse(await response.json())).toEqual({
      id,
      state: 'active',
      cancelRequested: true,
    });

    const cancelled = await waitFor(async () => {
      const job = await getJob(id);
      return job.state === 'cancelled' ? job : undefined;
    }, 'the worker to stop');
    expect(cancelled).toMatchObject({
      state: 'cancelled',
      error: null,
      cancelRequested: true,
      attempts: 1,
    });
    expect(cancelled.finishedAt).not.toBeNull();

    const { events, ended } = await stream;
    expect(ended).toBe(true);
    expect(events.at(-1)?.event).toBe('cancelled');
    expect(events[0]?.data).toMatchObject({ state: 'active' });

    await expectError(
      await api.request(`/v1/jobs/${id}`, { method: 'DELETE' }),
      409,
      'JOB_FINISHED',
    );
  });
});
