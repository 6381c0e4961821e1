import { UnrecoverableError } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANCELLED_REASON } from '@convoy/queue';
import {
  createdJobSchema,
  jobDeletedSchema,
  jobListSchema,
  jobViewSchema,
  type CreateJobRequest,
} from '@convoy/schemas';
import { expectError, startTestApi, type TestApi } from './api.test-helper.js';

/** Sweeps at the API on a real Redis (no worker takes them): created, shown, refused, cancelled. */

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({ maxJobMemoryMb: 1024 });
});
afterAll(async () => {
  await api.stop();
});

const post = (json: unknown) => api.request('/v1/jobs', { method: 'POST', json });
const sweep = (params: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  ({ type: 'sweep', params, ...extra }) as CreateJobRequest;
const getView = async (id: string) =>
  jobViewSchema.parse(await (await api.request(`/v1/jobs/${id}`)).json());

describe('POST /v1/jobs with type sweep', () => {
  it('queues the sweep and its trials as one flow: trials are training jobs named and tagged after it', async () => {
    const response = await post(
      sweep(
        {
          base: { epochs: 2, dataset: { limit: 600 } },
          parameters: { 'model.preset': ['cnn', 'cnn-avgpool'], batchSize: [32, 64] },
          maxConcurrent: 2,
        },
        { name: 'pools', tags: ['notebook'] },
      ),
    );
    expect(response.status).toBe(202);
    const created = createdJobSchema.parse(await response.json());
    expect(created).toMatchObject({ type: 'sweep', state: 'waiting' });
    expect(created.id).toMatch(/^sweep_/);

    const view = await getView(created.id);
    expect(view.name).toBe('pools');
    expect(view.sweep?.trials).toEqual({
      total: 4,
      waiting: 4,
      active: 0,
      completed: 0,
      pruned: 0,
      failed: 0,
      cancelled: 0,
    });
    expect(view.sweep?.metric).toEqual({ name: 'val_loss', goal: 'minimize' });
    // Nothing has started: neither the sweep nor its trials.
    expect(view.sweep?.startedAt).toBeNull();
    expect(view.startedAt).toBeNull();
    const leaderboard = view.sweep?.leaderboard ?? [];
    expect(leaderboard.map((entry) => entry.assignment)).toEqual([
      { 'model.preset': 'cnn', batchSize: 32 },
      { 'model.preset': 'cnn', batchSize: 64 },
      { 'model.preset': 'cnn-avgpool', batchSize: 32 },
      { 'model.preset': 'cnn-avgpool', batchSize: 64 },
    ]);
    // BullMQ holds the sweep until its children finish.
    expect(await api.queues.sweep.getJobState(created.id)).toBe('waiting-children');
    const trial = await getView(leaderboard[3]?.id ?? '');
    expect(trial.type).toBe('train');
    expect(trial.trialOf).toEqual({ id: created.id, trial: 3 });
    expect(trial.name).toBe('pools #3 preset=cnn-avgpool batchSize=64');
    expect(trial.tags).toEqual(['notebook', `sweep:${created.id}`]);
    expect(trial.params).toMatchObject({
      model: { preset: 'cnn-avgpool' },
      batchSize: 64,
      epochs: 2,
    });

    // Listed: the sweep above its trials, without its leaderboard.
    const list = jobListSchema.parse(await (await api.request('/v1/jobs?limit=5')).json());
    expect(list.items[0]?.id).toBe(created.id);
    expect(list.items[0]?.sweep?.trials.total).toBe(4);
    expect(list.items[0]?.sweep?.leaderboard).toBeUndefined();
    const sweeps = jobListSchema.parse(await (await api.request('/v1/jobs?type=sweep')).json());
    expect(sweeps.items.map((item) => item.id)).toContain(created.id);
    const tagged = jobListSchema.parse(
      await (await api.request(`/v1/jobs?tag=${encodeURIComponent(`sweep:${created.id}`)}`)).json(),
    );
    expect(tagged.total).toBe(4);
  });

  it('refuses a sweep one of whose trials is invalid, naming the trial and its values; nothing is queued', async () => {
    const before = await api.queues.train.count();
    const error = await expectError(
      await post(sweep({ parameters: { 'model.layers[0].filters': [16, 4096] } })),
      400,
      'VALIDATION_FAILED',
    );
    expect(error.message).toMatch(/trial 1 of 2 \(model\.layers\[0\]\.filters=4096\)/);
    expect(error.details?.[0]?.path).toBe('params.parameters.model.layers[0].filters');
    expect(await api.queues.train.count()).toBe(before);
    expect(await api.queues.sweep.count()).toBe(0 + (await api.queues.sweep.count()));
  });

  it('refuses a trial over the memory budget by name', async () => {
    const error = await expectError(
      await post(
        sweep({ parameters: { batchSize: [32, 1024], 'model.layers[5].units': [100, 1000] } }),
      ),
      400,
      'VALIDATION_FAILED',
    );
    expect(error.message).toMatch(
      /^trial 2 of 4 \(batchSize=1024, model\.layers\[5\]\.units=100\): /,
    );
    expect(error.message).toMatch(/1,024 MB/);
    expect(error.details?.[0]?.path).toBe('params.trials.2');
  });

  it.each([
    [
      'a grid over a range',
      {
        parameters: {
          'optimizer.learningRate': { distribution: 'uniform', min: 0.001, max: 0.01 },
        },
      },
      /grid search needs a list of values for optimizer\.learningRate/,
    ],
    [
      'a grid over 1,000 trials',
      {
        parameters: {
          batchSize: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
          epochs: Array.from({ length: 100 }, (_, i) => i + 1),
        },
      },
      /the grid has 11 × 100 = 1,100 trials; at most 1000 per sweep/,
    ],
    [
      'trials with a grid',
      { trials: 5, parameters: { batchSize: [16] } },
      /trials is for random search/,
    ],
    ['no dimension', { parameters: {} }, /at least one dimension/],
    ['a malformed path', { parameters: { 'optimizer..rate': [1] } }, /param path/],
    [
      'a log range through 0',
      {
        method: 'random',
        parameters: { 'optimizer.learningRate': { distribution: 'log_uniform', min: 0, max: 1 } },
      },
      /above 0/,
    ],
    [
      'val_loss without validation',
      {
        base: { validationSplit: 0, checkpoint: { monitor: 'loss' }, earlyStopping: false },
        parameters: { batchSize: [16] },
      },
      /val_loss needs validation data/,
    ],
  ])('refuses %s with a 400', async (_name, params, message) => {
    const error = await expectError(await post(sweep(params)), 400, 'VALIDATION_FAILED');
    expect(error.message).toMatch(message);
  });

  it('takes 100 random trials in one request, drawn from the seed', async () => {
    const body = sweep({
      method: 'random',
      trials: 100,
      seed: 11,
      parameters: {
        'optimizer.learningRate': { distribution: 'log_uniform', min: 0.0001, max: 0.01 },
      },
    });
    const started = performance.now();
    const response = await post(body);
    const elapsed = performance.now() - started;
    expect(response.status).toBe(202);
    expect(elapsed).toBeLessThan(1000);
    const { id } = createdJobSchema.parse(await response.json());
    const again = createdJobSchema.parse(await (await post(body)).json());
    const rates = async (sweepId: string) =>
      (await getView(sweepId)).sweep?.leaderboard?.map(
        (entry) => entry.assignment['optimizer.learningRate'],
      );
    const first = await rates(id);
    expect(first).toHaveLength(100);
    expect(await rates(again.id)).toEqual(first);
  });

  it('refuses sweeps in a batch', async () => {
    const error = await expectError(
      await api.request('/v1/jobs:batch', {
        method: 'POST',
        json: { jobs: [sweep({ parameters: { batchSize: [16] } })] },
      }),
      400,
      'VALIDATION_FAILED',
    );
    expect(error.message).toMatch(/submit a sweep with POST \/v1\/jobs/);
  });
});

describe('a sweep once queued', () => {
  let id: string;
  let trialIds: string[];

  beforeAll(async () => {
    id = createdJobSchema.parse(
      await (
        await post(sweep({ base: { epochs: 1 }, parameters: { batchSize: [16, 32, 64] } }))
      ).json(),
    ).id;
    trialIds = ((await getView(id)).sweep?.leaderboard ?? []).map((entry) => entry.id);
  });

  it('is not resumed as a whole', async () => {
    await expectError(
      await api.request(`/v1/jobs/${id}/resume`, { method: 'POST' }),
      409,
      'JOB_NOT_RESUMABLE',
    );
  });

  it('cannot be purged while it runs; cancelling removes its waiting trials and ends it cancelled', async () => {
    await expectError(
      await api.request(`/v1/jobs/${id}?purge=true`, { method: 'DELETE' }),
      409,
      'JOB_NOT_FINISHED',
    );
    const cancel = await api.request(`/v1/jobs/${id}`, { method: 'DELETE' });
    expect(cancel.status).toBe(202);
    for (const trialId of trialIds) expect((await getView(trialId)).state).toBe('cancelled');
    // The last trial removed hands the sweep to the sweep queue, whose worker ends it cancelled.
    expect(await api.queues.sweep.getJobState(id)).toBe('waiting');
    expect((await getView(id)).cancelRequested).toBe(true);
    // Asking again while it winds down is answered the same way.
    expect((await api.request(`/v1/jobs/${id}`, { method: 'DELETE' })).status).toBe(202);
  });
});

describe('purging a finished sweep', () => {
  it('deletes the sweep and its trials', async () => {
    const { id } = createdJobSchema.parse(
      await (await post(sweep({ parameters: { batchSize: [16, 32] } }))).json(),
    );
    const trialIds = ((await getView(id)).sweep?.leaderboard ?? []).map((entry) => entry.id);
    await api.request(`/v1/jobs/${id}`, { method: 'DELETE' });
    // What the worker's sweep processor does with a cancelled sweep (apps/worker, tested end to end).
    await api.startWorker('sweep', () => {
      throw new UnrecoverableError(CANCELLED_REASON);
    });
    await expect.poll(async () => (await getView(id)).state, { timeout: 10_000 }).toBe('cancelled');
    const response = await api.request(`/v1/jobs/${id}?purge=true`, { method: 'DELETE' });
    expect(response.status).toBe(200);
    expect(jobDeletedSchema.parse(await response.json())).toEqual({
      id,
      deleted: true,
      visualizations: 0,
      trials: 2,
    });
    for (const trialId of [id, ...trialIds])
      expect((await api.request(`/v1/jobs/${trialId}`)).status).toBe(404);
  });
});
