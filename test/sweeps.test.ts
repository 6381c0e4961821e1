import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  jobViewSchema,
  progressEventSchema,
  sweepResultSchema,
  trainingResultSchema,
  type JobView,
  type SweepResult,
} from '@convoy/schemas';
import { startE2eStack, type E2eStack } from './support/e2e-stack.js';
import { waitUntil, type RunningProcess } from './support/processes.js';
import { collectEvents } from './support/sse.js';

/**
 * Sweeps end to end on one stack (an API and two wasm workers, real Redis): the notebook's
 * comparison as one grid sweep, a worker killed mid-sweep, a cancelled sweep, early termination of
 * a diverging learning rate, and a 100-trial random sweep accepted in one request.
 */

/** Tiny trials: 300 images (240 train, 60 validation). */
const TINY = { dataset: { limit: 300 }, seed: 7 };

describe('sweeps', () => {
  let stack: E2eStack;
  const workers: RunningProcess[] = [];

  const view = (id: string) => stack.view(id);
  const finished = (id: string, timeoutMs?: number) => stack.finished(id, timeoutMs);
  const submit = async (body: unknown): Promise<string> => {
    const { status, body: created } = await stack.api.call<{ id: string }>(
      'POST',
      '/v1/jobs',
      body,
    );
    expect(status, JSON.stringify(created)).toBe(202);
    return created.id;
  };
  const startWorker = () => {
    const worker = stack.startWorker({ TRAINING_THREADS: '1' });
    workers.push(worker);
    return worker;
  };

  beforeAll(async () => {
    stack = await startE2eStack({ name: 'sweeps' });
  }, 60_000);
  afterAll(() => stack.stop());

  it('accepts a 100-trial random sweep in one request, well under a second, and cancels it while it waits', async () => {
    const started = performance.now();
    const id = await submit({
      type: 'sweep',
      name: 'random hundred',
      params: {
        base: { ...TINY, epochs: 1 },
        method: 'random',
        trials: 100,
        seed: 3,
        parameters: {
          'optimizer.learningRate': { distribution: 'log_uniform', min: 0.0001, max: 0.01 },
          batchSize: { distribution: 'int_uniform', min: 16, max: 64 },
          'model.preset': ['cnn', 'cnn-avgpool'],
        },
      },
    });
    const acceptedMs = performance.now() - started;
    console.log(`100-trial random sweep accepted in ${acceptedMs.toFixed(0)} ms`);
    expect(acceptedMs).toBeLessThan(1000);
    const waiting = await view(id);
    expect(waiting.type).toBe('sweep');
    expect(waiting.state).toBe('waiting');
    expect(waiting.sweep?.trials).toMatchObject({ total: 100, waiting: 100 });
    const learningRates = new Set(
      (waiting.sweep?.leaderboard ?? []).map((entry) => entry.assignment['optimizer.learningRate']),
    );
    expect(learningRates.size).toBeGreaterThan(90);
    // Trials are ordinary jobs, listed by the sweep's tag.
    const trials = await stack.api.call<{ items: JobView[]; total: number }>(
      'GET',
      `/v1/jobs?tag=${encodeURIComponent(`sweep:${id}`)}&limit=100`,
    );
    expect(trials.body.total).toBe(100);
    expect(trials.body.items.every((trial) => trial.trialOf?.id === id)).toBe(true);

    const cancel = await stack.api.call<{ state: string }>('DELETE', `/v1/jobs/${id}`);
    expect(cancel.status).toBe(202);
    const after = await view(id);
    expect(after.sweep?.trials).toMatchObject({ total: 100, cancelled: 100, waiting: 0 });
    // No worker runs yet: the first one to start ends the sweep as cancelled.
    startWorker();
    expect((await finished(id, 60_000)).state).toBe('cancelled');
  }, 120_000);

  it("runs the notebook's comparison, {cnn, cnn-avgpool} × two learning rates, on two workers: a 4-row leaderboard", async () => {
    startWorker();
    const id = await submit({
      type: 'sweep',
      name: 'notebook comparison',
      params: {
        base: { ...TINY, epochs: 2 },
        parameters: {
          'model.preset': ['cnn', 'cnn-avgpool'],
          'optimizer.learningRate': [0.001, 0.0003],
        },
      },
    });
    // The sweep's events: its summary as trials report, then `completed` with the leaderboard.
    const events = await collectEvents(
      `${stack.baseUrl}/v1/jobs/${id}/events`,
      { authorization: `Bearer ${stack.token}` },
      (received) => received.some((event) => event.event === 'completed'),
      300_000,
    );
    const summaries = events
      .filter((event) => event.event === 'progress')
      .map((event) => progressEventSchema.parse(JSON.parse(event.data)).sweep);
    expect(summaries.length).toBeGreaterThanOrEqual(2);
    expect(summaries.some((summary) => (summary?.trials.active ?? 0) > 0)).toBe(true);
    const done = await finished(id);
    expect(done.state, done.error?.message).toBe('completed');
    expect(jobViewSchema.parse(JSON.parse(events.at(-1)?.data ?? '{}')).id).toBe(id);
    const result: SweepResult = sweepResultSchema.parse(done.result);
    expect(result.leaderboard).toHaveLength(4);
    // The sweep ran from its first trial's start, not from the ranking at its end.
    const ran = Date.parse(done.finishedAt ?? '') - Date.parse(done.startedAt ?? '');
    expect(ran).toBeGreaterThan(1000);
    expect(Date.parse(done.startedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(done.createdAt));
    expect(result.trials).toMatchObject({ total: 4, completed: 4 });
    expect(result.leaderboard.map((entry) => entry.rank)).toEqual([1, 2, 3, 4]);
    const values = result.leaderboard.map((entry) => entry.value as number);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(result.best?.id).toBe(result.leaderboard[0]?.id);
    const assignments = result.leaderboard
      .map(
        (entry) =>
          `${entry.assignment['model.preset']}@${entry.assignment['optimizer.learningRate']}`,
      )
      .sort();
    expect(assignments).toEqual([
      'cnn-avgpool@0.0003',
      'cnn-avgpool@0.001',
      'cnn@0.0003',
      'cnn@0.001',
    ]);
    // Each row is the trial's own training job, with the params its values make.
    for (const entry of result.leaderboard) {
      const trial = await view(entry.id);
      expect(trial.state).toBe('completed');
      expect(trial.trialOf).toEqual({ id, trial: entry.trial });
      const params = trial.params as {
        model: { preset: string };
        optimizer: { learningRate: number };
      };
      expect(params.model.preset).toBe(entry.assignment['model.preset']);
      expect(params.optimizer.learningRate).toBe(entry.assignment['optimizer.learningRate']);
      const best = Math.min(...trial.history.map((record) => record.val_loss ?? Infinity));
      expect(entry.value).toBeCloseTo(best, 10);
    }
  }, 360_000);

  it('completes every trial exactly once when a worker is killed (SIGKILL) mid-sweep', async () => {
    const id = await submit({
      type: 'sweep',
      params: {
        base: { ...TINY, epochs: 4, dataset: { limit: 1200 } },
        parameters: { 'optimizer.learningRate': [0.001, 0.002, 0.0005] },
      },
    });
    // Kill a worker once a trial has finished an epoch and has two more to go (so it cannot end
    // in the moment between this look and the kill).
    const running = await waitUntil(
      async () => {
        const current = await view(id);
        return current.sweep?.leaderboard?.find(
          (entry) => entry.state === 'active' && entry.epochsRun >= 1 && entry.epochsRun <= 2,
        );
      },
      240_000,
      'a trial mid-run',
    );
    // Both workers: whichever was running the trial dies mid-epoch with it.
    for (const victim of workers.splice(0)) {
      victim.child.kill('SIGKILL');
      await victim.exited;
    }
    startWorker();
    startWorker();
    const done = await finished(id);
    expect(done.state, done.error?.message).toBe('completed');
    const result = sweepResultSchema.parse(done.result);
    expect(result.trials).toMatchObject({ total: 3, completed: 3 });
    expect(new Set(result.leaderboard.map((entry) => entry.id)).size).toBe(3);
    for (const entry of result.leaderboard) {
      const training = trainingResultSchema.parse((await view(entry.id)).result);
      // Each epoch once: a resumed trial continues, it does not train again from the start.
      expect(training.history.map((record) => record.epoch)).toEqual([1, 2, 3, 4]);
    }
    const trials = await stack.api.call<{ total: number }>(
      'GET',
      `/v1/jobs?tag=${encodeURIComponent(`sweep:${id}`)}&limit=100`,
    );
    expect(trials.body.total).toBe(3);
    // The trial that was running when its worker died was taken over from its last epoch's checkpoint.
    const resumed = trainingResultSchema.parse((await view(running.id)).result);
    expect(resumed.resumedFromEpoch).toBeGreaterThanOrEqual(1);
  }, 420_000);

  it('cancels a running sweep: its trials end cancelled and nothing is left waiting', async () => {
    const id = await submit({
      type: 'sweep',
      params: {
        base: { ...TINY, epochs: 20 },
        maxConcurrent: 2,
        parameters: { 'optimizer.learningRate': [0.001, 0.002, 0.003, 0.004, 0.005] },
      },
    });
    await waitUntil(
      async () => ((await view(id)).sweep?.trials.active ?? 0) >= 1 || undefined,
      120_000,
      'a trial to start',
    );
    expect((await stack.api.call('DELETE', `/v1/jobs/${id}`)).status).toBe(202);
    const done = await finished(id, 120_000);
    expect(done.state).toBe('cancelled');
    expect(done.sweep?.trials).toMatchObject({ total: 5, cancelled: 5 });
    for (const entry of done.sweep?.leaderboard ?? [])
      expect((await view(entry.id)).state).toBe('cancelled');
  }, 240_000);

  it('stops the trials of a diverging learning rate early and reports the compute saved', async () => {
    const id = await submit({
      type: 'sweep',
      params: {
        base: { ...TINY, epochs: 4, earlyStopping: false },
        maxConcurrent: 2,
        parameters: { 'optimizer.learningRate': [0.001, 0.0005, 0.002, 1, 0.9] },
        earlyTermination: { type: 'median', graceEpochs: 1, minTrials: 2 },
      },
    });
    const done = await finished(id);
    expect(done.state, done.error?.message).toBe('completed');
    const result = sweepResultSchema.parse(done.result);
    console.log('early termination:', JSON.stringify(result.earlyTermination));
    const byRate = new Map(
      result.leaderboard.map((entry) => [entry.assignment['optimizer.learningRate'], entry]),
    );
    for (const rate of [1, 0.9]) {
      const entry = byRate.get(rate);
      expect(entry?.state).toBe('pruned');
      expect(entry?.epochsRun).toBeLessThan(4);
    }
    for (const rate of [0.001, 0.0005]) expect(byRate.get(rate)?.state).toBe('completed');
    expect(result.earlyTermination?.prunedTrials).toBeGreaterThanOrEqual(2);
    expect(result.earlyTermination?.epochsSaved).toBeGreaterThanOrEqual(2);
    expect(result.earlyTermination?.fractionSaved).toBeGreaterThan(0);
  }, 360_000);
});
