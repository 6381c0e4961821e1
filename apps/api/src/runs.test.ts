import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { UnrecoverableError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANCELLED_REASON, createRedisConnection } from '@convoy/queue';
import {
  createdJobSchema,
  jobDeletedSchema,
  jobListSchema,
  jobViewSchema,
  type CreateJobRequest,
  type JobList,
  type JobView,
} from '@convoy/schemas';
import { createS3rverStore, S3RVER_CREDENTIALS, startS3rver } from '@convoy/storage/s3rver';
import {
  expectError,
  REDIS_URL,
  startTestApi,
  trainingReport,
  trainingResult,
  waitFor,
  type TestApi,
} from './api.test-helper.js';

async function create(api: TestApi, body: Partial<CreateJobRequest> = {}): Promise<string> {
  const response = await api.request('/v1/jobs', {
    method: 'POST',
    json: { type: 'train', params: { epochs: 2 }, ...body },
  });
  expect(response.status, await response.clone().text()).toBe(202);
  return createdJobSchema.parse(await response.json()).id;
}

async function getJob(api: TestApi, id: string): Promise<JobView> {
  const response = await api.request(`/v1/jobs/${id}`);
  expect(response.status).toBe(200);
  return jobViewSchema.parse(await response.json());
}

async function list(api: TestApi, query: string): Promise<JobList> {
  const response = await api.request(`/v1/jobs?${query}`);
  expect(response.status, await response.clone().text()).toBe(200);
  return jobListSchema.parse(await response.json());
}

function patch(api: TestApi, id: string, json: unknown): Promise<Response> {
  return api.request(`/v1/jobs/${id}`, { method: 'PATCH', json });
}

async function stateOf(api: TestApi, id: string): Promise<string> {
  return (await getJob(api, id)).state;
}

describe('run names, tags and notes; search (no worker: jobs stay waiting)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => api.stop());

  it('takes name, tags and notes on submit and edits them with PATCH, field by field', async () => {
    const id = await create(api, {
      name: '  baseline  ',
      tags: ['fashion', 'cnn', 'fashion'],
      notes: 'the notebook recipe',
    });
    expect(await getJob(api, id)).toMatchObject({
      name: 'baseline',
      tags: ['fashion', 'cnn'],
      notes: 'the notebook recipe',
      visualizations: 0,
    });

    const renamed = await patch(api, id, { name: 'baseline v2' });
    expect(renamed.status).toBe(200);
    expect(jobViewSchema.parse(await renamed.json())).toMatchObject({
      id,
      name: 'baseline v2',
      tags: ['fashion', 'cnn'],
      notes: 'the notebook recipe',
    });
    expect((await patch(api, id, { notes: null, tags: ['x'] })).status).toBe(200);
    expect(await getJob(api, id)).toMatchObject({ name: 'baseline v2', tags: ['x'], notes: null });
    expect((await patch(api, id, { name: null, tags: [] })).status).toBe(200);
    expect(await getJob(api, id)).toMatchObject({ name: null, tags: [], notes: null });
  });

  it('refuses bad edits with 400, unknown jobs with 404, other bodies with 415', async () => {
    const id = await create(api);
    await expectError(await patch(api, id, {}), 400, 'VALIDATION_FAILED');
    await expectError(await patch(api, id, { title: 'x' }), 400, 'VALIDATION_FAILED');
    await expectError(await patch(api, id, { name: 'x'.repeat(101) }), 400, 'VALIDATION_FAILED');
    await expectError(await patch(api, id, { name: '   ' }), 400, 'VALIDATION_FAILED');
    const tooMany = Array.from({ length: 21 }, (_, index) => `t${index}`);
    const error = await expectError(await patch(api, id, { tags: tooMany }), 400);
    expect(error.details?.[0]?.path).toBe('tags');
    await expectError(await patch(api, id, { tags: ['<b>'] }), 400, 'VALIDATION_FAILED');
    await expectError(await patch(api, id, { notes: 'x'.repeat(4001) }), 400);
    await expectError(
      await api.request('/v1/jobs', {
        method: 'POST',
        json: { type: 'train', tags: 'not-a-list' },
      }),
      400,
      'VALIDATION_FAILED',
    );
    await expectError(await patch(api, 'train_zzzzzzzzzzzz', { name: 'x' }), 404, 'JOB_NOT_FOUND');
    await expectError(
      await api.request(`/v1/jobs/${id}`, {
        method: 'PATCH',
        body: 'name=x',
        headers: { 'content-type': 'text/plain' },
      }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expect(await getJob(api, id)).toMatchObject({ name: null, tags: [] });
  });

  it('edits a job cancelled before it started (no BullMQ job left)', async () => {
    const id = await create(api, { name: 'short-lived' });
    expect((await api.request(`/v1/jobs/${id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await patch(api, id, { tags: ['cancelled'] })).status).toBe(200);
    expect(await getJob(api, id)).toMatchObject({
      state: 'cancelled',
      name: 'short-lived',
      tags: ['cancelled'],
    });
  });

  it('searches by name, id and tag, filters by tag, model and state, sorts and pages', async () => {
    const other = await startTestApi();
    try {
      const alpha = await create(other, { name: 'Alpha run', tags: ['sweep'] });
      const beta = await create(other, {
        name: 'beta run',
        tags: ['sweep', 'lr'],
        params: { model: { preset: 'cnn-avgpool' }, epochs: 1 },
      });
      const gamma = await create(other, { name: 'Gamma', tags: ['LR'] });
      const unnamed = await create(other);
      const all = [alpha, beta, gamma, unnamed];

      expect((await list(other, 'q=RUN')).items.map((job) => job.id)).toEqual([beta, alpha]);
      expect((await list(other, `q=${gamma.slice(-6)}`)).items.map((job) => job.id)).toEqual([
        gamma,
      ]);
      expect((await list(other, 'tag=lr')).items.map((job) => job.id)).toEqual([gamma, beta]);
      expect((await list(other, 'q=swe')).items.map((job) => job.id)).toEqual([beta, alpha]);
      expect((await list(other, 'model=cnn-avgpool')).items.map((job) => job.id)).toEqual([beta]);
      expect((await list(other, 'model=cnn&state=waiting')).total).toBe(3);
      expect((await list(other, 'model=cnn&state=active')).items).toEqual([]);

      const byName = await list(other, 'sort=name&order=asc');
      // Case-insensitive; jobs without a name last.
      expect(byName.items.map((job) => job.id)).toEqual([alpha, beta, gamma, unnamed]);
      expect(byName.total).toBe(4);
      const byModel = await list(other, 'sort=model&order=desc');
      expect(byModel.items[0]?.id).toBe(beta);

      const first = await list(other, 'sort=createdAt&order=asc&limit=3');
      expect(first.items.map((job) => job.id)).toEqual(all.slice(0, 3));
      expect(first.nextCursor).toBe('offset.3');
      const second = await list(
        other,
        `sort=createdAt&order=asc&limit=3&cursor=${first.nextCursor}`,
      );
      expect(second.items.map((job) => job.id)).toEqual([unnamed]);
      expect(second.nextCursor).toBeNull();

      // Without a search the listing keeps its index cursor and has no total.
      const plain = await list(other, 'limit=2');
      expect(plain.total).toBeUndefined();
      expect(plain.items.map((job) => job.id)).toEqual([unnamed, gamma]);

      await expectError(await other.request('/v1/jobs?sort=colour'), 400, 'VALIDATION_FAILED');
      await expectError(await other.request('/v1/jobs?order=up'), 400, 'VALIDATION_FAILED');
      await expectError(await other.request('/v1/jobs?model=resnet'), 400, 'VALIDATION_FAILED');
      await expectError(
        await other.request(`/v1/jobs?q=${'x'.repeat(101)}`),
        400,
        'VALIDATION_FAILED',
      );
      await expectError(await other.request('/v1/jobs?q=a&cursor=abc'), 400, 'INVALID_CURSOR');
      await expectError(await other.request('/v1/jobs?cursor=offset.3'), 400, 'INVALID_CURSOR');
    } finally {
      await other.stop();
    }
  });

  it('counts a run’s visualization jobs and finds them by the run’s id', async () => {
    const id = await create(api);
    const visualization = await api.queues.enqueue({
      type: 'visualize',
      params: { jobId: id, kind: 'filters', weights: 'trained' },
    });
    expect((await getJob(api, id)).visualizations).toBe(1);
    const found = await list(api, `type=visualize&q=${id}`);
    expect(found.items.map((job) => job.id)).toEqual([visualization.id]);
  });

  it('answers 409 to resume and delete of a waiting job', async () => {
    const id = await create(api);
    await expectError(
      await api.request(`/v1/jobs/${id}/resume`, { method: 'POST' }),
      409,
      'JOB_NOT_RESUMABLE',
    );
    await expectError(
      await api.request(`/v1/jobs/${id}?purge=true`, { method: 'DELETE' }),
      409,
      'JOB_NOT_FINISHED',
    );
    await expectError(
      await api.request(`/v1/jobs/${id}?purge=yes`, { method: 'DELETE' }),
      400,
      'VALIDATION_FAILED',
    );
    await expectError(
      await api.request('/v1/jobs/train_zzzzzzzzzzzz/resume', { method: 'POST' }),
      404,
      'JOB_NOT_FOUND',
    );
    await expectError(
      await api.request('/v1/jobs/train_zzzzzzzzzzzz?purge=true', { method: 'DELETE' }),
      404,
      'JOB_NOT_FOUND',
    );
    await expectError(await api.request(`/v1/jobs/${id}/resume`), 405, 'METHOD_NOT_ALLOWED');
    expect(await stateOf(api, id)).toBe('waiting');
  });

  it('resumes a job cancelled before it started: queued again under its id', async () => {
    const id = await create(api, { name: 'again', params: { epochs: 3 } });
    const before = await getJob(api, id);
    expect((await api.request(`/v1/jobs/${id}`, { method: 'DELETE' })).status).toBe(200);
    const response = await api.request(`/v1/jobs/${id}/resume`, { method: 'POST' });
    expect(response.status).toBe(202);
    expect(response.headers.get('location')).toBe(`/v1/jobs/${id}`);
    expect(createdJobSchema.parse(await response.json())).toMatchObject({ id, state: 'waiting' });
    const resumed = await getJob(api, id);
    expect(resumed).toMatchObject({
      state: 'waiting',
      cancelRequested: false,
      name: 'again',
      createdAt: before.createdAt,
      params: { epochs: 3 },
    });
    expect(await api.queues.find(id)).toBeDefined();
    expect(await api.queues.cancellation.findRemoved(id)).toBeNull();
  });
});

describe('resume and delete with a worker', () => {
  let api: TestApi;
  let subscriber: Redis;
  /** How a job's first attempt ends, by its seed (known before a worker can take the job). */
  const FAIL_SEED = 7;
  const UNTIL_CANCELLED_SEED = 8;
  const attempts = new Map<string, number>();

  beforeAll(async () => {
    api = await startTestApi();
    subscriber = createRedisConnection(REDIS_URL, 'blocking');
    const cancelled = new Set<string>();
    await api.queues.cancellation.watch(subscriber, (id) => cancelled.add(id));
    await api.startWorker('train', async (job: Job) => {
      const id = job.id ?? '';
      attempts.set(id, (attempts.get(id) ?? 0) + 1);
      // What the real worker checks first: a job cancelled while waiting never starts.
      if (await api.queues.cancellation.isRequested(id))
        throw new UnrecoverableError(CANCELLED_REASON);
      const seed = (job.data as { params: { seed: number } }).params.seed;
      const first = attempts.get(id) === 1;
      await job.updateProgress(trainingReport(1, 2));
      if (first && seed === FAIL_SEED) throw new UnrecoverableError('training diverged');
      if (first && seed === UNTIL_CANCELLED_SEED) {
        await waitFor(async () => (cancelled.has(id) ? true : undefined), 'cancel', 60_000);
        throw new UnrecoverableError(CANCELLED_REASON);
      }
      return trainingResult(2);
    });
  });
  afterAll(async () => {
    subscriber.disconnect();
    await api.stop();
  });

  it('resumes a failed job: it runs again under its id and completes', async () => {
    const id = await create(api, { params: { epochs: 2, seed: FAIL_SEED } });
    await waitFor(async () => ((await stateOf(api, id)) === 'failed' ? true : undefined), 'fail');
    const failed = await getJob(api, id);
    expect(failed.error?.message).toContain('training diverged');
    const response = await api.request(`/v1/jobs/${id}/resume`, { method: 'POST' });
    expect(response.status).toBe(202);
    const done = await waitFor(async () => {
      const view = await getJob(api, id);
      return view.state === 'completed' ? view : undefined;
    }, 'the resumed job to complete');
    expect(done.error).toBeNull();
    expect(attempts.get(id)).toBeGreaterThanOrEqual(2);
    await expectError(
      await api.request(`/v1/jobs/${id}/resume`, { method: 'POST' }),
      409,
      'JOB_NOT_RESUMABLE',
    );
  });

  it('resumes a cancelled run: the cancel mark is withdrawn, so the worker runs it', async () => {
    const id = await create(api, { params: { epochs: 2, seed: UNTIL_CANCELLED_SEED } });
    await waitFor(async () => ((await stateOf(api, id)) === 'active' ? true : undefined), 'run');
    await expectError(
      await api.request(`/v1/jobs/${id}/resume`, { method: 'POST' }),
      409,
      'JOB_NOT_RESUMABLE',
    );
    await expectError(
      await api.request(`/v1/jobs/${id}?purge=true`, { method: 'DELETE' }),
      409,
      'JOB_NOT_FINISHED',
    );
    expect((await api.request(`/v1/jobs/${id}`, { method: 'DELETE' })).status).toBe(202);
    await waitFor(
      async () => ((await stateOf(api, id)) === 'cancelled' ? true : undefined),
      'stop',
    );
    expect((await api.request(`/v1/jobs/${id}/resume`, { method: 'POST' })).status).toBe(202);
    expect(await api.queues.cancellation.isRequested(id)).toBe(false);
    const done = await waitFor(async () => {
      const view = await getJob(api, id);
      return view.state === 'completed' ? view : undefined;
    }, 'the resumed job to complete');
    expect(done.cancelRequested).toBe(false);
    expect(attempts.get(id)).toBe(2);
  });

  it('deletes a finished run, its artifacts and its visualization jobs', async () => {
    const id = await create(api, { name: 'to delete', tags: ['gone'] });
    const keep = await create(api, { name: 'to keep' });
    await waitFor(async () => ((await stateOf(api, id)) === 'completed' ? true : undefined), 'run');
    await api.writeArtifact(id, 'best-model/model.json', '{}');
    await api.writeArtifact(keep, 'best-model/model.json', '{}');
    const visualization = await api.queues.enqueue({
      type: 'visualize',
      params: { jobId: id, kind: 'filters', weights: 'trained' },
    });
    const vizId = visualization.id ?? '';
    await api.writeArtifact(vizId, 'result.json', '{}');
    expect((await getJob(api, id)).visualizations).toBe(1);

    const response = await api.request(`/v1/jobs/${id}?purge=true`, { method: 'DELETE' });
    expect(response.status).toBe(200);
    expect(jobDeletedSchema.parse(await response.json())).toEqual({
      id,
      deleted: true,
      visualizations: 1,
    });
    await expectError(await api.request(`/v1/jobs/${id}`), 404, 'JOB_NOT_FOUND');
    await expectError(await api.request(`/v1/jobs/${vizId}`), 404, 'JOB_NOT_FOUND');
    expect(existsSync(join(api.artifactsDir, id))).toBe(false);
    expect(existsSync(join(api.artifactsDir, vizId))).toBe(false);
    expect(existsSync(join(api.artifactsDir, keep, 'best-model', 'model.json'))).toBe(true);
    expect(await api.queues.find(id)).toBeUndefined();
    expect(await api.queues.metadata.get(id)).toEqual({ name: null, tags: [], notes: null });
    const ids = (await list(api, 'limit=100')).items.map((job) => job.id);
    expect(ids).not.toContain(id);
    expect(ids).not.toContain(vizId);
    expect(ids).toContain(keep);
    expect((await list(api, 'tag=gone')).total).toBe(0);
  });

  it('deletes a job cancelled before it started', async () => {
    const other = await startTestApi();
    try {
      const id = await create(other);
      expect((await other.request(`/v1/jobs/${id}`, { method: 'DELETE' })).status).toBe(200);
      expect((await other.request(`/v1/jobs/${id}?purge=true`, { method: 'DELETE' })).status).toBe(
        200,
      );
      await expectError(await other.request(`/v1/jobs/${id}`), 404, 'JOB_NOT_FOUND');
      expect(await other.queues.cancellation.findRemoved(id)).toBeNull();
    } finally {
      await other.stop();
    }
  });
});

describe('delete with artifacts in S3 (s3rver)', () => {
  it('removes the run’s objects from the bucket and keeps other runs’ objects', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'convoy-runs-s3-'));
    const s3 = await startS3rver(directory);
    const bucket = `runs-${randomUUID().slice(0, 8)}`;
    const store = await createS3rverStore(s3.endpoint, bucket);
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    });
    const api = await startTestApi({
      artifactsUrl: `s3://${bucket}`,
      s3Endpoint: s3.endpoint,
      s3ForcePathStyle: 'true',
    });
    try {
      await api.startWorker('train', async () => trainingResult(1));
      const id = await create(api);
      const keep = await create(api);
      for (const job of [id, keep])
        await waitFor(
          async () => ((await stateOf(api, job)) === 'completed' ? true : undefined),
          'run',
        );
      await store.job(id).write('best-model/model.json', '{}');
      await store.job(id).write('checkpoint/history.json', '[]');
      await store.job(keep).write('best-model/model.json', '{}');
      expect(await store.job(id).list()).toHaveLength(2);

      const response = await api.request(`/v1/jobs/${id}?purge=true`, { method: 'DELETE' });
      expect(response.status).toBe(200);
      expect(await store.job(id).list()).toEqual([]);
      expect(await store.job(keep).list()).toHaveLength(1);
      await expectError(await api.request(`/v1/jobs/${id}`), 404, 'JOB_NOT_FOUND');
    } finally {
      await api.stop();
      store.close();
      await s3.stop();
      await rm(directory, { recursive: true, force: true });
    }
  });
});
