import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import {
  CANCELLED_REASON,
  createJobId,
  createJobWorker,
  createRedisConnection,
  InvalidCursorError,
  jobTypeOf,
  JobQueues,
  pingRedis,
  QUEUE_NAMES,
} from './index.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('job ids', () => {
  it('encode the type and sort by creation time', () => {
    const first = createJobId('train', 1_700_000_000_000);
    const second = createJobId('train', 1_700_000_000_001);
    expect(first).toMatch(/^train_[0-9a-z]+$/);
    expect(jobTypeOf(first)).toBe('train');
    expect(jobTypeOf(createJobId('visualize'))).toBe('visualize');
    expect([second, first].sort()).toEqual([first, second]);
    expect(jobTypeOf('../etc/passwd')).toBeNull();
    expect(jobTypeOf('train_')).toBeNull();
  });
});

describe('JobQueues on a real Redis', () => {
  let connection: Redis;
  let queues: JobQueues;
  const prefix = `test-${randomUUID()}`;

  beforeAll(async () => {
    connection = createRedisConnection(REDIS_URL);
    expect(await pingRedis(connection)).toBe(true);
    queues = new JobQueues({ connection, prefix });
  });
  afterEach(async () => {
    await Promise.all([
      queues.train.obliterate({ force: true }),
      queues.visualize.obliterate({ force: true }),
    ]);
    const keys = await connection.keys(`${prefix}:*`);
    if (keys.length > 0) await connection.del(...keys);
  });
  afterAll(async () => {
    await queues.close();
    await connection.quit();
  });

  it('enqueueMany queues jobs of both queues with their defaults, indexed in the order given', async () => {
    const jobs = await queues.enqueueMany([
      { type: 'train', params: { epochs: 2 } as never },
      { type: 'visualize', params: { jobId: 'train_0000000000', kind: 'filters' } as never },
      { type: 'train', params: { epochs: 3 } as never },
    ]);
    expect(jobs.map((job) => job.type)).toEqual(['train', 'visualize', 'train']);
    const [first, second, third] = await Promise.all(jobs.map((job) => queues.find(job.id)));
    expect(first?.data.params).toMatchObject({ epochs: 2, batchSize: 32 });
    expect(second?.data.params).toMatchObject({ kind: 'filters', weights: 'trained' });
    expect(third?.opts).toMatchObject({ attempts: 3, backoff: { type: 'exponential' } });
    expect(await third?.getState()).toBe('waiting');
    const page = await queues.index.page({ limit: 10 });
    expect(page.ids).toEqual(jobs.map((job) => job.id).reverse());
  });

  it('enqueueMany writes nothing when one job cannot be added (all or none across queues)', async () => {
    // An option BullMQ refuses, on the visualize queue only: the train jobs of the batch must not land.
    const strict = new JobQueues({
      connection,
      prefix,
      jobOptions: { visualize: { priority: 0.5 } },
    });
    try {
      await expect(
        strict.enqueueMany([
          { type: 'train', params: {} as never },
          { type: 'visualize', params: { jobId: 'train_0000000000', kind: 'filters' } as never },
        ]),
      ).rejects.toThrow(/priority/i);
      expect(await strict.train.count()).toBe(0);
      expect(await strict.visualize.count()).toBe(0);
      expect((await strict.index.page({ limit: 10 })).ids).toEqual([]);
    } finally {
      await strict.close();
    }
  });

  it('enqueues parsed payloads with defaults and finds them by id', async () => {
    const job = await queues.enqueue({ type: 'train', params: { epochs: 2 } as never });
    expect(jobTypeOf(job.id ?? '')).toBe('train');
    const found = await queues.find(job.id ?? '');
    expect(found?.data).toMatchObject({ params: { epochs: 2, batchSize: 32, seed: 42 } });
    expect(await queues.find('train_doesnotexist0')).toBeUndefined();
    expect(await queues.find('not-an-id')).toBeUndefined();
  });

  it('refuses a payload that does not parse, so nothing malformed reaches Redis', async () => {
    await expect(
      queues.enqueue({ type: 'train', params: { epochs: -1 } as never }),
    ).rejects.toThrow();
    expect(await queues.train.count()).toBe(0);
  });

  it('lists jobs newest first with cursor pagination, per type or across types', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      const type = index % 2 === 0 ? 'train' : 'visualize';
      const body =
        type === 'train'
          ? ({ type, params: {} } as never)
          : ({ type, params: { jobId: 'train_aaaaaaaaaa', kind: 'filters' } } as never);
      ids.push((await queues.enqueue(body)).id ?? '');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const first = await queues.index.page({ limit: 2 });
    expect(first.ids).toEqual([ids[4], ids[3]]);
    const second = await queues.index.page({ limit: 2, cursor: first.nextCursor ?? '' });
    expect(second.ids).toEqual([ids[2], ids[1]]);
    const third = await queues.index.page({ limit: 2, cursor: second.nextCursor ?? '' });
    expect(third).toEqual({ ids: [ids[0]], nextCursor: null });
    expect((await queues.index.page({ type: 'train', limit: 10 })).ids).toEqual([
      ids[4],
      ids[2],
      ids[0],
    ]);
    await expect(queues.index.page({ limit: 2, cursor: 'garbage!!' })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
  });

  it('delivers cancellations to watchers and remembers them', async () => {
    const subscriber = createRedisConnection(REDIS_URL, 'blocking');
    const received: string[] = [];
    const stop = await queues.cancellation.watch(subscriber, (id) => received.push(id));
    await queues.cancellation.request('train_abcdefgh12');
    await expect.poll(() => received).toEqual(['train_abcdefgh12']);
    expect(await queues.cancellation.isRequested('train_abcdefgh12')).toBe(true);
    expect(await queues.cancellation.isRequested('train_abcdefgh13')).toBe(false);
    await stop();
    subscriber.disconnect();
  });

  it('workers get the parsed payload; an unparseable one fails at once without retries', async () => {
    const workerConnection = createRedisConnection(REDIS_URL, 'blocking');
    const seen: number[] = [];
    const worker = createJobWorker(
      'train',
      async (_job, data) => {
        seen.push(data.params.epochs);
        return { ok: true };
      },
      { connection: workerConnection, prefix },
    );
    const good = await queues.enqueue({ type: 'train', params: { epochs: 3 } as never });
    // Bypass enqueue's validation, as a foreign producer or an old payload version would.
    const bad = await queues.train.add('train', { params: { epochs: 'many' } } as never, {
      jobId: createJobId('train'),
      attempts: 3,
    });
    const finished = async (job: Job) => {
      await expect
        .poll(async () => ['completed', 'failed'].includes(await job.getState()), {
          timeout: 10_000,
        })
        .toBe(true);
      return queues.train.getJob(job.id ?? '');
    };
    expect((await finished(good))?.returnvalue).toEqual({ ok: true });
    const failed = await finished(bad);
    expect(await failed?.getState()).toBe('failed');
    expect(failed?.attemptsMade).toBe(1);
    expect(failed?.failedReason).toMatch(/invalid train job payload: params.epochs/);
    expect(seen).toEqual([3]);
    expect(QUEUE_NAMES.train).toBe('convoy-train');
    expect(CANCELLED_REASON).toBeTruthy();
    await worker.close();
    workerConnection.disconnect();
  });
});
