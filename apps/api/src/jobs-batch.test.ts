import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createdJobSchema,
  createdJobsSchema,
  jobListSchema,
  MAX_BATCH_JOBS,
  type CreateJobRequest,
} from '@convoy/schemas';
import { expectError, startTestApi, type TestApi } from './api.test-helper.js';

/** `POST /v1/jobs:batch` on a real API and Redis: all jobs queued in one transaction, or none. */

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.stop();
});

const submitBatch = (body: unknown) =>
  api.request('/v1/jobs:batch', { method: 'POST', json: body });
const train = (epochs: number): CreateJobRequest => ({
  type: 'train',
  params: { epochs, dataset: { limit: 600 } },
});

async function counts(): Promise<{ train: number; visualize: number; indexed: number }> {
  const [train, visualize, indexed] = await Promise.all([
    api.queues.train.count(),
    api.queues.visualize.count(),
    api.queues.index.page({ limit: 10_000 }).then((page) => page.ids.length),
  ]);
  return { train, visualize, indexed };
}

describe('POST /v1/jobs:batch', () => {
  let trainedJob: string;

  beforeAll(async () => {
    const response = await api.request('/v1/jobs', { method: 'POST', json: train(1) });
    trainedJob = createdJobSchema.parse(await response.json()).id;
    // The model a worker would have written; visualizations of it are accepted.
    await api.writeArtifact(trainedJob, 'model/model.json', '{}');
  });

  it('queues training and visualization jobs together, answering their ids in the order sent', async () => {
    const before = await counts();
    const response = await submitBatch({
      jobs: [
        train(1),
        { type: 'visualize', params: { jobId: trainedJob, kind: 'filters', layer: 0 } },
        train(2),
        train(3),
      ],
    });
    expect(response.status).toBe(202);
    const { jobs } = createdJobsSchema.parse(await response.json());
    expect(jobs.map((job) => job.type)).toEqual(['train', 'visualize', 'train', 'train']);
    for (const job of jobs) {
      expect(job).toMatchObject({ state: 'waiting', links: { self: `/v1/jobs/${job.id}` } });
    }
    expect(await counts()).toEqual({
      train: before.train + 3,
      visualize: before.visualize + 1,
      indexed: before.indexed + 4,
    });

    // Each is an ordinary job: its params with the defaults filled in, the usual retry options.
    const [first, , second, third] = jobs;
    const job = await api.queues.train.getJob(third?.id ?? '');
    expect(job?.data.params).toMatchObject({ epochs: 3, batchSize: 32, model: { preset: 'cnn' } });
    expect(job?.opts.attempts).toBe(3);
    expect(await job?.getState()).toBe('waiting');
    const view = await api.request(`/v1/jobs/${jobs[1]?.id ?? ''}`);
    expect(await view.json()).toMatchObject({
      type: 'visualize',
      state: 'waiting',
      params: { jobId: trainedJob, kind: 'filters' },
    });

    // Listed newest first: the batch's last job is the newest.
    const list = jobListSchema.parse(
      await (await api.request('/v1/jobs?type=train&limit=3')).json(),
    );
    expect(list.items.map((item) => item.id)).toEqual([third?.id, second?.id, first?.id]);
  });

  it('queues nothing when one job is invalid, and names it by its position', async () => {
    const before = await counts();
    const error = await expectError(
      await submitBatch({ jobs: [train(1), train(0), train(2)] }),
      400,
      'VALIDATION_FAILED',
    );
    expect(error.details?.map((detail) => detail.path)).toEqual(['jobs.1.params.epochs']);
    expect(error.message).toMatch(/^invalid request body: jobs\.1\.params\.epochs: /);
    expect(await counts()).toEqual(before);
  });

  it('applies the checks of POST /v1/jobs to every job: the memory budget, the visualized model', async () => {
    const before = await counts();
    const heavy = {
      type: 'train',
      params: {
        batchSize: 1024,
        model: {
          layers: [
            { type: 'conv2d', filters: 512, kernelSize: 3, padding: 'same', activation: 'relu' },
            { type: 'flatten' },
            { type: 'dense', units: 10, activation: 'softmax' },
          ],
        },
      },
    };
    const memory = await expectError(
      await submitBatch({ jobs: [train(1), train(1), heavy] }),
      400,
      'VALIDATION_FAILED',
    );
    expect(memory.message).toMatch(/^jobs\.2: the model needs an estimated [\d,]+ MB to train/);
    expect(memory.details?.map((detail) => detail.path)).toEqual([
      'jobs.2.params.model.layers.0',
      'jobs.2.params.batchSize',
    ]);

    const missing = await expectError(
      await submitBatch({
        jobs: [
          train(1),
          { type: 'visualize', params: { jobId: 'train_nosuchjob0', kind: 'filters', layer: 0 } },
        ],
      }),
      404,
      'TRAIN_JOB_NOT_FOUND',
    );
    expect(missing.details).toEqual([
      { path: 'jobs.1.params.jobId', message: 'no such training job' },
    ]);

    const layer = await expectError(
      await submitBatch({
        jobs: [
          { type: 'visualize', params: { jobId: trainedJob, kind: 'filters', layer: 'dense' } },
        ],
      }),
      400,
      'VALIDATION_FAILED',
    );
    expect(layer.message).toMatch(
      /^invalid request body: jobs\.0\.params\.layer: filters needs a Conv2D layer/,
    );
    expect(await counts()).toEqual(before);
  });

  it.each([
    ['no body', undefined, /the request body is empty: send a JSON object \{"jobs": \[\.\.\.\]\}/],
    ['no jobs', { jobs: [] }, /jobs: send at least one job/],
    ['a job list that is not one', { jobs: train(1) }, /jobs: /],
    ['an unknown field', { jobs: [train(1)], priority: 1 }, /priority/],
    [
      `more than ${MAX_BATCH_JOBS} jobs`,
      { jobs: Array.from({ length: MAX_BATCH_JOBS + 1 }, () => ({ type: 'train' })) },
      new RegExp(`at most ${MAX_BATCH_JOBS} jobs per batch`),
    ],
  ])('refuses %s with a 400 that says what to send', async (_name, body, message) => {
    const before = await counts();
    const error = await expectError(await submitBatch(body), 400, 'VALIDATION_FAILED');
    expect(error.message).toMatch(message);
    expect(await counts()).toEqual(before);
  });

  it('accepts MAX_BATCH_JOBS small jobs in one request (within its own body limit)', async () => {
    const before = await counts();
    const response = await submitBatch({
      jobs: Array.from({ length: MAX_BATCH_JOBS }, () => train(1)),
    });
    expect(response.status).toBe(202);
    const { jobs } = createdJobsSchema.parse(await response.json());
    expect(new Set(jobs.map((job) => job.id)).size).toBe(MAX_BATCH_JOBS);
    expect((await counts()).train).toBe(before.train + MAX_BATCH_JOBS);
  });

  it('answers 405 to other methods and 415 to a body that is not JSON', async () => {
    const get = await api.request('/v1/jobs:batch');
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const text = await api.request('/v1/jobs:batch', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'jobs',
    });
    await expectError(text, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses a body over the batch limit by its declared size, before reading it', async () => {
    const limited = await startTestApi({ batchBodyLimit: '1kb' });
    try {
      const response = await limited.request('/v1/jobs:batch', {
        method: 'POST',
        json: { jobs: Array.from({ length: 30 }, () => train(1)) },
      });
      const error = await expectError(response, 413, 'PAYLOAD_TOO_LARGE');
      expect(error.message).toMatch(/over the limit of 1kb/);
      expect(await limited.queues.train.count()).toBe(0);
    } finally {
      await limited.stop();
    }
  });
});
