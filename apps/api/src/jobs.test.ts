import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createdJobSchema, jobListSchema, jobViewSchema, type JobView } from '@convoy/schemas';
import { buildPng, expectError, startTestApi, type TestApi } from './api.test-helper.js';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.stop();
});

async function createJob(body: unknown) {
  const response = await api.request('/v1/jobs', { method: 'POST', json: body });
  const text = await response.text();
  expect(response.status, text).toBe(202);
  return createdJobSchema.parse(JSON.parse(text));
}

async function listJobs(query: string) {
  const response = await api.request(`/v1/jobs${query}`);
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return jobListSchema.parse(JSON.parse(text));
}

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

describe('POST /v1/jobs and GET /v1/jobs/:id', () => {
  it('enqueues a train job with the seed defaults and reports it waiting', async () => {
    const response = await api.request('/v1/jobs', {
      method: 'POST',
      json: { type: 'train', params: { epochs: 3, dataset: { limit: 1200 } } },
    });
    expect(response.status).toBe(202);
    const created = createdJobSchema.parse(await response.json());
    expect(created.id).toMatch(/^train_[0-9a-z]+$/);
    expect(created).toMatchObject({
      type: 'train',
      state: 'waiting',
      links: {
        self: `/v1/jobs/${created.id}`,
        events: `/v1/jobs/${created.id}/events`,
        artifacts: `/v1/jobs/${created.id}/artifacts`,
      },
    });
    expect(response.headers.get('location')).toBe(`/v1/jobs/${created.id}`);

    const job = jobViewSchema.parse(await (await api.request(created.links.self)).json());
    expect(job).toMatchObject({
      id: created.id,
      type: 'train',
      state: 'waiting',
      progress: null,
      history: [],
      result: null,
      error: null,
      backend: null,
      device: null,
      attempts: 0,
      cancelRequested: false,
      startedAt: null,
      finishedAt: null,
      params: {
        epochs: 3,
        batchSize: 32,
        validationSplit: 0.2,
        seed: 42,
        model: { preset: 'cnn' },
        optimizer: { name: 'adam', learningRate: 0.001 },
        dataset: { name: 'fashion-mnist', limit: 1200 },
      },
    });
    expect(Date.parse(job.createdAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('accepts a train job with an empty body of params, and a custom layer list', async () => {
    await createJob({ type: 'train' });
    const created = await createJob({
      type: 'train',
      params: {
        model: {
          layers: [
            { type: 'conv2d', filters: 8, kernelSize: 3, activation: 'relu' },
            { type: 'maxPooling2d' },
            { type: 'flatten' },
            { type: 'dense', units: 10, activation: 'softmax' },
          ],
        },
      },
    });
    const job = jobViewSchema.parse(await (await api.request(created.links.self)).json());
    expect(job.params).toMatchObject({
      model: { layers: [{ type: 'conv2d', filters: 8 }, {}, {}, {}] },
    });
  });

  it('checks a visualize job against its training job and its artifacts', async () => {
    const train = await createJob({ type: 'train', params: { epochs: 1 } });
    const body = { type: 'visualize', params: { jobId: train.id, kind: 'filters', layer: 0 } };

    let error = await expectError(
      await api.request('/v1/jobs', { method: 'POST', json: body }),
      409,
      'MODEL_NOT_READY',
    );
    expect(error.message).toContain('model/model.json');

    await api.writeArtifact(train.id, 'model/model.json', '{"modelTopology":{}}');
    const created = await createJob(body);
    expect(created).toMatchObject({ type: 'visualize', state: 'waiting' });
    const job = jobViewSchema.parse(await (await api.request(created.links.self)).json());
    expect(job).toMatchObject({
      type: 'visualize',
      state: 'waiting',
      params: { jobId: train.id, kind: 'filters', layer: 0, weights: 'trained' },
      history: [],
      progress: null,
    });

    const untrained = {
      type: 'visualize',
      params: { jobId: train.id, kind: 'weights-histogram', weights: 'untrained' },
    };
    error = await expectError(
      await api.request('/v1/jobs', { method: 'POST', json: untrained }),
      409,
      'MODEL_NOT_READY',
    );
    expect(error.message).toContain('initial/model.json');
    await api.writeArtifact(train.id, 'initial/model.json', '{}');
    await createJob(untrained);

    const image = buildPng().toString('base64');
    await createJob({
      type: 'visualize',
      params: { jobId: train.id, kind: 'feature-maps', image },
    });
    await createJob({
      type: 'visualize',
      params: { jobId: train.id, kind: 'predictions', sample: 7 },
    });
  });
});

describe('GET /v1/jobs', () => {
  let ids: string[];
  let trainIds: string[];

  beforeAll(async () => {
    // A fresh API so the listing holds exactly these jobs.
    await api.stop();
    api = await startTestApi();
    const train = await createJob({ type: 'train' });
    await api.writeArtifact(train.id, 'model/model.json', '{}');
    ids = [train.id];
    for (let index = 0; index < 6; index += 1) {
      await sleep(3);
      const body =
        index % 3 === 2
          ? { type: 'visualize', params: { jobId: train.id, kind: 'filters' } }
          : { type: 'train', params: { epochs: index + 1 } };
      ids.push((await createJob(body)).id);
    }
    ids.reverse(); // newest first
    trainIds = ids.filter((id) => id.startsWith('train_'));
  });

  it('lists every job newest first, with the full job views', async () => {
    const page = await listJobs('');
    expect(page.items.map((item) => item.id)).toEqual(ids);
    expect(page.nextCursor).toBeNull();
    expect(page.items.every((item) => item.state === 'waiting')).toBe(true);
  });

  it('paginates with a cursor, without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await listJobs(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items.map((item) => item.id));
      expect(page.items.length).toBeLessThanOrEqual(3);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null);
    expect(seen).toEqual(ids);
    expect(pages).toBe(3);
  });

  it('filters by type', async () => {
    const page = await listJobs('?type=train&limit=100');
    expect(page.items.map((item) => item.id)).toEqual(trainIds);
    const visualize = await listJobs('?type=visualize');
    expect(visualize.items.map((item) => item.id)).toEqual(
      ids.filter((id) => id.startsWith('visualize_')),
    );
  });

  it('filters by state, scanning across index pages, with a cursor that resumes exactly', async () => {
    // Cancel every other train job (removed from the queue: state cancelled).
    const cancelled = trainIds.filter((_, index) => index % 2 === 0);
    for (const id of cancelled) {
      const response = await api.request(`/v1/jobs/${id}`, { method: 'DELETE' });
      expect(response.status).toBe(200);
    }
    const all = await listJobs('?state=cancelled&limit=100');
    expect(all.items.map((item) => item.id)).toEqual(cancelled);
    expect(all.items.every((item: JobView) => item.state === 'cancelled')).toBe(true);
    expect(all.nextCursor).toBeNull();

    const first = await listJobs('?state=cancelled&limit=1');
    expect(first.items.map((item) => item.id)).toEqual([cancelled[0]]);
    expect(first.nextCursor).not.toBeNull();
    const second = await listJobs(`?state=cancelled&limit=1&cursor=${first.nextCursor}`);
    expect(second.items.map((item) => item.id)).toEqual([cancelled[1]]);

    const waiting = await listJobs('?state=waiting&type=train&limit=100');
    expect(waiting.items.map((item) => item.id)).toEqual(
      trainIds.filter((id) => !cancelled.includes(id)),
    );
    expect(await listJobs('?state=completed')).toEqual({ items: [], nextCursor: null });
  });

  it('scans past 100 newer jobs to fill a filtered page, and stops after about 1,000', async () => {
    const cancelled = trainIds.filter((_, index) => index % 2 === 0);
    const enqueueMany = async (count: number) => {
      for (let done = 0; done < count; done += 100) {
        await Promise.all(
          Array.from({ length: Math.min(100, count - done) }, () =>
            api.queues.enqueue({ type: 'train', params: {} as never }),
          ),
        );
      }
    };
    await enqueueMany(150);
    const page = await listJobs('?state=cancelled&limit=2');
    expect(page.items.map((item) => item.id)).toEqual(cancelled.slice(0, 2));

    await enqueueMany(900);
    const short = await listJobs('?state=cancelled&limit=5');
    expect(short.items).toEqual([]);
    expect(short.nextCursor).not.toBeNull();
    const rest = await listJobs(`?state=cancelled&limit=5&cursor=${short.nextCursor}`);
    expect(rest.items.map((item) => item.id)).toEqual(cancelled);
    expect(rest.nextCursor).toBeNull();
  });

  it('answers 400 for a cursor that names no job', async () => {
    const bogus = Buffer.from('train_zzzzzzzzzzzz').toString('base64url');
    await expectError(await api.request(`/v1/jobs?cursor=${bogus}`), 400, 'INVALID_CURSOR');
    await expectError(await api.request('/v1/jobs?cursor=%25%25%25'), 400, 'INVALID_CURSOR');
  });
});
