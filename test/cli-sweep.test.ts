import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection, removeQueuePrefix } from '@convoy/queue';
import { jobListSchema, jobViewSchema, sweepResultSchema, type JobView } from '@convoy/schemas';
import { freePort } from './support/ports.js';
import { DATA_DIR, REDIS_URL, ROOT, startApp, type RunningProcess } from './support/processes.js';

const run = promisify(execFile);
const cli = join(ROOT, 'apps/cli/bin/convoy.js');

/**
 * `convoy sweep` and the sweep side of status/watch/cancel, against one real API process (and,
 * for the sweep that runs, one wasm worker on the same queue prefix).
 */
describe('convoy sweep against the built API', () => {
  const token = `tok-${randomUUID()}`;
  const prefix = `test-${randomUUID()}`;
  const processes: RunningProcess[] = [];
  let artifactsDir: string;
  let apiUrl: string;
  /** The grid sweep the first test cancels while it waits. */
  let cancelledSweep: string;

  const convoy = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [cli, ...args], {
        env: { ...process.env, API_URL: apiUrl, API_TOKEN: token, DATA_DIR },
        cwd: ROOT,
        maxBuffer: 16 * 1024 * 1024,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };
  const get = async (path: string): Promise<unknown> => {
    const response = await fetch(`${apiUrl}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status, path).toBe(200);
    return response.json();
  };
  const sweeps = async () => jobListSchema.parse(await get('/v1/jobs?type=sweep&limit=100')).items;

  beforeAll(async () => {
    artifactsDir = await mkdtemp(join(tmpdir(), 'convoy-cli-sweep-'));
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    const api = startApp('api', {
      API_PORT: String(port),
      API_HOST: '127.0.0.1',
      API_TOKEN: token,
      REDIS_URL,
      CONVOY_QUEUE_PREFIX: prefix,
      ARTIFACTS_DIR: artifactsDir,
    });
    processes.push(api);
    await api.waitFor(/listening/);
  });
  afterAll(async () => {
    await Promise.all(processes.map((process) => process.stop('SIGKILL')));
    const redis = createRedisConnection(REDIS_URL, 'blocking');
    await removeQueuePrefix(redis, prefix);
    await redis.quit();
    await rm(artifactsDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  it('creates a grid sweep with one trial per combination; status shows it, cancel stops it', async () => {
    const created = await convoy(
      'sweep',
      ...['--grid', 'model.preset=cnn,cnn-avgpool'],
      ...['--grid', 'optimizer.learningRate=0.001,0.0003'],
      ...['--epochs', '3', '--limit', '12000', '--max-concurrent', '2'],
      ...['--name', 'grid from the cli', '--tag', 'cli', '--json'],
    );
    expect(created.code, created.stderr).toBe(0);
    const { id, state } = JSON.parse(created.stdout) as { id: string; state: string };
    expect(id).toMatch(/^sweep_/);
    expect(state).toBe('waiting');
    cancelledSweep = id;

    const status = await convoy('status', id, '--json');
    const view = jobViewSchema.parse(JSON.parse(status.stdout));
    expect(view).toMatchObject({
      type: 'sweep',
      name: 'grid from the cli',
      tags: ['cli'],
      params: {
        method: 'grid',
        base: { epochs: 3, dataset: { limit: 12000 } },
        parameters: {
          'model.preset': { values: ['cnn', 'cnn-avgpool'] },
          'optimizer.learningRate': { values: [0.001, 0.0003] },
        },
        maxConcurrent: 2,
        metric: { name: 'val_loss', goal: 'minimize' },
      },
      sweep: { trials: { total: 4, waiting: 4 } },
    });
    const assignments = (view.sweep?.leaderboard ?? []).map((entry) => entry.assignment);
    expect(assignments).toEqual([
      { 'model.preset': 'cnn', 'optimizer.learningRate': 0.001 },
      { 'model.preset': 'cnn', 'optimizer.learningRate': 0.0003 },
      { 'model.preset': 'cnn-avgpool', 'optimizer.learningRate': 0.001 },
      { 'model.preset': 'cnn-avgpool', 'optimizer.learningRate': 0.0003 },
    ]);
    // The trials are training jobs tagged after the sweep, with its values in their params.
    const trials = jobListSchema.parse(await get(`/v1/jobs?tag=sweep:${id}&limit=100`)).items;
    expect(trials.map((trial) => trial.trialOf?.trial).sort()).toEqual([0, 1, 2, 3]);
    const third = trials.find((trial) => trial.trialOf?.trial === 2);
    expect(third?.params).toMatchObject({
      model: { preset: 'cnn-avgpool' },
      optimizer: { learningRate: 0.001 },
      epochs: 3,
    });

    const text = await convoy('status', id);
    expect(text.stdout).toContain(`${id}  waiting  4 trials: 4 waiting`);
    expect(text.stdout).toMatch(
      /rank {2}trial {2}model\.preset {2}optimizer\.learningRate {2}state/,
    );
    expect(text.stdout.trim().split('\n')).toHaveLength(6);

    const cancelled = await convoy('cancel', id);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toContain(`${id}: cancelling`);
    const after = jobViewSchema.parse(await get(`/v1/jobs/${id}`));
    expect(after.sweep?.trials).toMatchObject({ total: 4, cancelled: 4, waiting: 0 });
  });

  it('refuses --grid with --random as a usage error (exit 2), sending nothing', async () => {
    const before = (await sweeps()).length;
    const mixed = await convoy(
      'sweep',
      ...['--grid', 'model.preset=cnn,cnn-avgpool', '--random', 'batchSize=32,64'],
    );
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain(
      'error: use either --grid (every combination) or --random (sampled trials), not both',
    );
    expect(mixed.stdout).toBe('');
    const badRange = await convoy('sweep', '--random', 'batchSize=int_uniform:16');
    expect(badRange.code).toBe(2);
    expect(badRange.stderr).toContain('expected int_uniform:MIN:MAX');
    expect((await sweeps()).length).toBe(before);
  });

  it('creates a random sweep with its trials and seed, and reports a bad trial as the API names it', async () => {
    const created = await convoy(
      'sweep',
      ...['--random', 'optimizer.learningRate=log_uniform:0.0001:0.01'],
      ...['--random', 'batchSize=32,64', '--trials', '3', '--seed', '7', '--epochs', '1'],
      ...['--metric', 'val_accuracy', '--early-termination', 'median', '--min-trials', '2'],
    );
    expect(created.code, created.stderr).toBe(0);
    const id = created.stdout.trim();
    expect(id).toMatch(/^sweep_[0-9a-z]+$/);
    const view: JobView = jobViewSchema.parse(await get(`/v1/jobs/${id}`));
    expect(view.params).toMatchObject({
      method: 'random',
      trials: 3,
      seed: 7,
      metric: { name: 'val_accuracy', goal: 'maximize' },
      earlyTermination: { type: 'median', graceEpochs: 1, minTrials: 2 },
    });
    expect(view.sweep?.leaderboard).toHaveLength(3);
    for (const entry of view.sweep?.leaderboard ?? []) {
      const rate = entry.assignment['optimizer.learningRate'] as number;
      expect(rate).toBeGreaterThanOrEqual(0.0001);
      expect(rate).toBeLessThanOrEqual(0.01);
      expect([32, 64]).toContain(entry.assignment.batchSize);
    }
    expect((await convoy('cancel', id)).code).toBe(0);

    const tooBig = await convoy('sweep', '--grid', 'model.layers[0].filters=8,4096');
    expect(tooBig.code).toBe(1);
    expect(tooBig.stderr).toMatch(
      /trial 1 of 2 \(model\.layers\[0\]\.filters=4096\).*\[VALIDATION_FAILED\]/,
    );
  });

  it('runs a grid sweep on one wasm worker: --watch --json ends with its leaderboard; a cancelled sweep ends cancelled', async () => {
    const worker = startApp('worker', {
      REDIS_URL,
      CONVOY_QUEUE_PREFIX: prefix,
      ARTIFACTS_DIR: artifactsDir,
      DATA_DIR,
      CONVOY_BACKEND: 'wasm',
    });
    processes.push(worker);
    await worker.waitFor(/convoy worker started/, 60_000);

    const watched = await convoy(
      'sweep',
      ...['--grid', 'model.preset=cnn,cnn-avgpool', '--epochs', '1', '--limit', '300'],
      ...['--watch', '--json', '--poll-interval', '250'],
    );
    expect(watched.code, watched.stderr).toBe(0);
    const final = jobViewSchema.parse(JSON.parse(watched.stdout));
    expect(final).toMatchObject({ type: 'sweep', state: 'completed' });
    const result = sweepResultSchema.parse(final.result);
    expect(result.leaderboard).toHaveLength(2);
    expect(result.leaderboard.map((entry) => [entry.rank, entry.state, entry.epochsRun])).toEqual([
      [1, 'completed', 1],
      [2, 'completed', 1],
    ]);
    expect(result.leaderboard.map((entry) => entry.assignment['model.preset']).sort()).toEqual([
      'cnn',
      'cnn-avgpool',
    ]);
    const [first, second] = result.leaderboard.map((entry) => entry.value ?? Number.NaN);
    expect(first).toBeLessThanOrEqual(second ?? Number.NaN);
    expect(result.best?.id).toBe(result.leaderboard[0]?.id);
    // The table went to stderr (not a terminal: printed again at each change), the last one final.
    expect(watched.stderr).toMatch(/rank {2}trial {2}model\.preset {2}state {4}epoch {2}val_loss/);
    expect(watched.stderr).toMatch(/ {2}completed {2}2 trials: 2 completed {2}100% {2}val_loss/);

    // The grid sweep cancelled while it waited ends cancelled once a worker takes the sweep queue.
    const cancelled = await convoy('watch', cancelledSweep);
    expect(cancelled.code).toBe(3);
    expect(cancelled.stderr).toContain(`Sweep ${cancelledSweep}: cancelled`);
    expect(cancelled.stdout).toMatch(/ {2}cancelled {2}4 trials: 4 cancelled/);
  });
});
