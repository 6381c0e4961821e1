import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker, type Job } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attemptsStarted,
  createRedisConnection,
  JobQueues,
  QUEUE_NAMES,
  removeQueuePrefix,
  SweepStore,
  type RedisConnection,
  type TrainJobData,
} from '@convoy/queue';
import type { EpochRecord, TrialOfSweep } from '@convoy/schemas';
import {
  admitTrial,
  decideTrialEpoch,
  releaseTrial,
  type SweepTrialContext,
} from './sweep-trial.js';

/** Sweep slots and early termination on a real Redis, with real BullMQ jobs. */

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test-${randomUUID()}`;
let connection: RedisConnection;
let queues: JobQueues;
let context: SweepTrialContext;

beforeAll(() => {
  connection = createRedisConnection(REDIS_URL, 'blocking');
  queues = new JobQueues({ connection, prefix });
  context = {
    sweeps: new SweepStore(connection, `${prefix}:convoy`),
    queues,
    logger: pino({ level: 'silent' }),
  };
});
afterAll(async () => {
  await queues.close();
  await removeQueuePrefix(connection, prefix);
  await connection.quit();
});

const trialOf = (id: string, trial: number, fields: Partial<TrialOfSweep> = {}): TrialOfSweep => ({
  id,
  trial,
  metric: { name: 'val_loss', goal: 'minimize' },
  maxConcurrent: 1,
  earlyTermination: false,
  ...fields,
});

describe('sweep slots', () => {
  it('runs at most maxConcurrent trials at once; the others wait, delayed, and all run', async () => {
    const sweepId = `sweep_${randomUUID().slice(0, 8)}`;
    const trialIds = [0, 1, 2].map((trial) => `train_slot${trial}${randomUUID().slice(0, 6)}`);
    for (const [trial, id] of trialIds.entries())
      await queues.train.add(
        'train',
        { params: {} as TrainJobData['params'], sweep: trialOf(sweepId, trial) },
        { jobId: id },
      );
    let running = 0;
    let most = 0;
    const finished: string[] = [];
    const worker = new Worker<TrainJobData>(
      QUEUE_NAMES.train,
      async (job: Job<TrainJobData>, token) => {
        const trial = job.data.sweep as TrialOfSweep;
        await admitTrial(context, trial, job, token);
        running += 1;
        most = Math.max(most, running);
        await sleep(300);
        running -= 1;
        await releaseTrial(context, trial, job.id ?? '');
        finished.push(job.id ?? '');
      },
      { connection: createRedisConnection(REDIS_URL, 'blocking'), prefix, concurrency: 3 },
    );
    try {
      await expect.poll(() => finished.length, { timeout: 20_000 }).toBe(3);
    } finally {
      await worker.close();
    }
    expect(most).toBe(1);
    expect(finished.sort()).toEqual([...trialIds].sort());
    // Waits for a slot are not attempts: each trial started once, though BullMQ took some many times.
    const jobs = await Promise.all(trialIds.map((id) => queues.train.getJob(id)));
    expect(jobs.map((job) => (job ? attemptsStarted(job) : -1))).toEqual([1, 1, 1]);
    expect(Math.max(...jobs.map((job) => job?.attemptsStarted ?? 0))).toBeGreaterThan(1);
    expect(await context.sweeps.holders(sweepId)).toEqual([]);
  }, 30_000);

  it('frees a slot whose holder finished without letting go (its worker was killed)', async () => {
    const sweepId = `sweep_${randomUUID().slice(0, 8)}`;
    const ghost = await queues.train.add('train', { params: {} as TrainJobData['params'] });
    await ghost.remove();
    expect(await context.sweeps.acquire(sweepId, ghost.id ?? '', 1)).toBe(true);
    const id = `train_next${randomUUID().slice(0, 6)}`;
    await queues.train.add(
      'train',
      { params: {} as TrainJobData['params'], sweep: trialOf(sweepId, 1) },
      { jobId: id },
    );
    let admitted = false;
    const worker = new Worker<TrainJobData>(
      QUEUE_NAMES.train,
      async (job, token) => {
        await admitTrial(context, job.data.sweep as TrialOfSweep, job, token);
        admitted = true;
      },
      { connection: createRedisConnection(REDIS_URL, 'blocking'), prefix },
    );
    try {
      await expect.poll(() => admitted, { timeout: 10_000 }).toBe(true);
    } finally {
      await worker.close();
    }
    expect(await context.sweeps.holders(sweepId)).toEqual([id]);
  });
});

describe('early termination between trials', () => {
  const record = (epoch: number, val_loss: number): EpochRecord => ({
    epoch,
    loss: val_loss,
    accuracy: 0.5,
    val_loss,
    seconds: 1,
  });

  it("stops a trial whose curve is worse than the median of the others' recorded curves", async () => {
    const sweepId = `sweep_${randomUUID().slice(0, 8)}`;
    const rule = { type: 'median' as const, graceEpochs: 1, minTrials: 2 };
    const trial = (index: number) => trialOf(sweepId, index, { earlyTermination: rule });
    expect(await decideTrialEpoch(context, trial(0), [record(1, 0.6)])).toBeNull();
    expect(await decideTrialEpoch(context, trial(1), [record(1, 0.7)])).toBeNull();
    expect(await decideTrialEpoch(context, trial(2), [record(1, 0.65)])).toBeNull();
    const diverging = await decideTrialEpoch(context, trial(3), [record(1, 14.2)]);
    expect(diverging).toMatch(/median stopping at epoch 1/);
    // Its curve is recorded for the trials that come after it.
    expect((await context.sweeps.curves(sweepId)).get(3)).toEqual([14.2]);
    // A trial without the rule never waits for a decision.
    expect(await decideTrialEpoch(context, trialOf(sweepId, 4), [record(1, 99)])).toBeNull();
  });
});
