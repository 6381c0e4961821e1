import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection, removeQueuePrefix } from '@convoy/queue';
import { freePort } from './support/ports.js';
import { REDIS_URL, startApp, type RunningProcess } from './support/processes.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'apps/cli/bin/convoy.js');
// The converted data set is shared by every test run of this clone (converting takes seconds).
const env = { ...process.env, DATA_DIR: process.env.DATA_DIR ?? join(root, 'var/data') };

function convoy(...args: string[]) {
  return convoyWith({}, ...args);
}

async function convoyWith(extraEnv: Record<string, string>, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], {
      env: { ...env, ...extraEnv },
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('convoy CLI (built)', () => {
  let outDir: string;
  beforeAll(async () => {
    expect(existsSync(join(root, 'apps/cli/dist/main.js')), 'run `npm run build` first').toBe(true);
    outDir = await mkdtemp(join(tmpdir(), 'convoy-cli-'));
  });
  afterAll(() => rm(outDir, { recursive: true, force: true }));

  it.each([
    [
      'cnn',
      333_526,
      [
        [28, 28, 32, 320],
        [14, 14, 32, 0],
        [14, 14, 64, 18496],
        [7, 7, 64, 0],
        [3136, 0],
        [100, 313700],
        [100, 0],
        [10, 1010],
      ],
    ],
    [
      'cnn-avgpool',
      39_478,
      [
        [28, 28, 32, 320],
        [9, 9, 32, 0],
        [9, 9, 32, 9248],
        [3, 3, 32, 0],
        [288, 0],
        [100, 28900],
        [100, 0],
        [10, 1010],
      ],
    ],
  ])('summary --preset %s --json gives the seed table', async (preset, total, rows) => {
    const result = await convoy('summary', '--preset', preset, '--json');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as {
      totalParams: number;
      layers: { outputShape: (number | null)[]; params: number }[];
    };
    expect(summary.totalParams).toBe(total);
    expect(summary.layers.map((layer) => [...layer.outputShape.slice(1), layer.params])).toEqual(
      rows,
    );
    expect(summary.layers.every((layer) => layer.outputShape[0] === null)).toBe(true);
  });

  it('prints the Keras table without --json', async () => {
    const result = await convoy('summary');
    expect(result.stdout).toContain(
      ' conv2d_1 (Conv2D)           (None, 14, 14, 64)        18496     ',
    );
    expect(result.stdout).toContain('Total params: 333,526');
  });

  it.each([
    [['train', '--epochs', 'ten'], /--epochs.*expected a whole number, got "ten"/],
    [['train', '--epochs', '0'], /--epochs: .*>=\s?1/],
    [['train', '--limit', '99999999'], /--limit/],
    [['train', '--backend', 'tpu'], /--backend.*tpu.*Allowed choices/s],
    [['train', '--validation-split', '0.9'], /--validation-split/],
    [['train', '--model-file', '/nonexistent.json'], /cannot read --model-file/],
    [['summary', '--preset', 'resnet'], /unknown preset "resnet"/],
    [['train', '--frobnicate'], /unknown option '--frobnicate'/],
    [['launch'], /unknown command 'launch'/],
  ])('rejects %j with a clear error and a non-zero exit', async (args, message) => {
    const result = await convoy(...args);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
  });

  it('trains the seed CNN for one epoch on 12,000 embedded images to val_accuracy >= 0.80 on wasm', async () => {
    const result = await convoy(
      'train',
      '--epochs',
      '1',
      '--limit',
      '12000',
      '--backend',
      'wasm',
      '--json',
      '--out',
      outDir,
    );
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as {
      backend: string;
      trainImages: number;
      validationImages: number;
      history: { val_accuracy: number }[];
    };
    expect(report.backend).toBe('wasm');
    expect([report.trainImages, report.validationImages]).toEqual([9600, 2400]);
    expect(report.history).toHaveLength(1);
    expect(report.history[0]?.val_accuracy).toBeGreaterThanOrEqual(0.8);
    expect((await readdir(outDir)).sort()).toEqual([
      'checkpoint',
      'distributions.json',
      'history.json',
      'initial',
      'model',
      'params.json',
      'scalars.json',
      'summary.json',
    ]);
    expect(JSON.parse(await readFile(join(outDir, 'history.json'), 'utf8'))).toHaveLength(1);
    const modelFiles = (await readdir(join(outDir, 'model'))).sort();
    expect(modelFiles[0]).toBe('model.json');
    expect(modelFiles[1]).toMatch(/^weights-[0-9a-z]+\.bin$/);
    expect(modelFiles).toHaveLength(2);
  }, 600_000);
});

describe('convoy submit, status, watch and cancel against the built API', () => {
  const token = `tok-${randomUUID()}`;
  const prefix = `test-${randomUUID()}`;
  let api: RunningProcess;
  let apiEnv: Record<string, string>;
  let artifactsDir: string;
  beforeAll(async () => {
    artifactsDir = await mkdtemp(join(tmpdir(), 'convoy-cli-api-'));
    const port = await freePort();
    api = startApp('api', {
      API_PORT: String(port),
      API_HOST: '127.0.0.1',
      API_TOKEN: token,
      REDIS_URL,
      CONVOY_QUEUE_PREFIX: prefix,
      ARTIFACTS_DIR: artifactsDir,
    });
    await api.waitFor(/listening/);
    apiEnv = { API_URL: `http://127.0.0.1:${port}`, API_TOKEN: token };
  });
  afterAll(async () => {
    await api?.stop();
    const redis = createRedisConnection(REDIS_URL, 'blocking');
    await removeQueuePrefix(redis, prefix);
    await redis.quit();
    await rm(artifactsDir, { recursive: true, force: true });
  });

  it('submits a job, shows it, cancels it, and watch ends with exit code 3', async () => {
    const submitted = await convoyWith(apiEnv, 'submit', 'train', '--epochs', '1', '--json');
    expect(submitted.code, submitted.stderr).toBe(0);
    const created = JSON.parse(submitted.stdout) as { id: string; state: string };
    expect(created).toMatchObject({ id: expect.stringMatching(/^train_/), state: 'waiting' });
    const { id } = created;

    const status = await convoyWith(apiEnv, 'status', id);
    expect(status.stdout).toContain(`${id}  train  waiting`);
    const statusJson = await convoyWith(apiEnv, 'status', id, '--json');
    expect(JSON.parse(statusJson.stdout)).toMatchObject({ id, state: 'waiting', history: [] });

    const cancelled = await convoyWith(apiEnv, 'cancel', id);
    expect(cancelled).toMatchObject({ code: 0, stdout: `${id}: cancelled\n` });

    const watched = await convoyWith(apiEnv, 'watch', id);
    expect(watched.code).toBe(3);
    expect(watched.stderr).toContain(`Job ${id}: cancelled`);
    const watchedJson = await convoyWith(apiEnv, 'watch', id, '--json');
    expect(watchedJson.code).toBe(3);
    const lines = watchedJson.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; data: { id: string; state: string } });
    expect(lines.map((line) => [line.event, line.data.state])).toEqual([
      ['progress', 'cancelled'],
      ['cancelled', 'cancelled'],
    ]);
  });

  it('reports the API’s errors with their code, and an API it cannot reach by API_URL', async () => {
    const unknown = await convoyWith(apiEnv, 'status', 'train_00000000zz');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('convoy: job "train_00000000zz" not found [JOB_NOT_FOUND]\n');

    const wrongToken = await convoyWith(
      { ...apiEnv, API_TOKEN: 'wrong' },
      'status',
      'train_00000000zz',
    );
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.stderr).toMatch(/\[UNAUTHORIZED\]\n$/);

    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const unreachable = await convoyWith({ API_URL: nowhere }, 'status', 'train_00000000zz');
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(
      `convoy: cannot reach the Convoy API at ${nowhere} (set API_URL)`,
    );
  });
});

describe('convoy bench queue (built)', () => {
  it('starts the built API as a child process and measures submissions through it', async () => {
    const result = await convoy(
      'bench',
      'queue',
      '--jobs',
      '300',
      '--rounds',
      '2',
      '--anchors',
      '/nonexistent',
      '--json',
    );
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({
      benchmark: 'queue',
      jobs: 300,
      batchSize: 100,
      bullmqAddsPerSecond: null,
      ratio: null,
      batchRatio: null,
      sweepTrials: 100,
      sweepRatio: null,
    });
    expect(report.apiSubmissionsPerSecond).toBeGreaterThan(0);
    expect(report.apiBatchSubmissionsPerSecond).toBeGreaterThan(0);
    expect(report.apiSweepTrialsPerSecond).toBeGreaterThan(0);
    expect(report.sweepSubmitMs).toBeGreaterThan(0);
    expect(report.rounds).toHaveLength(2);
  });
});

describe('convoy bench storage (built)', () => {
  it('times the same training job on s3rver and on local files, alternating', async () => {
    const result = await convoy(
      'bench',
      'storage',
      ...['--epochs', '1', '--limit', '300', '--repeats', '2', '--backend', 'wasm', '--json'],
    );
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as {
      s3Seconds: number[];
      localSeconds: number[];
      medianS3Seconds: number;
      medianLocalSeconds: number;
      ratio: number;
    };
    expect(report).toMatchObject({ benchmark: 'storage', epochs: 1, limit: 300, repeats: 2 });
    expect((report as { s3Server?: string }).s3Server).toBe('s3rver on 127.0.0.1');
    expect(report.s3Seconds).toHaveLength(2);
    expect(report.localSeconds).toHaveLength(2);
    expect(report.ratio).toBeCloseTo(report.medianS3Seconds / report.medianLocalSeconds, 10);
    expect(Math.min(...report.s3Seconds, ...report.localSeconds)).toBeGreaterThan(0);
  }, 180_000);
});

describe('convoy bench streams (built)', () => {
  it('opens the streams at once on the built API and probes /healthz meanwhile', async () => {
    const result = await convoy(
      'bench',
      'streams',
      ...['--streams', '20', '--rounds', '2', '--history', '5', '--json'],
    );
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as {
      benchmark: string;
      streams: number;
      rounds: number;
      idleHealthz: { samples: number; p50Ms: number };
      burst: { allOpenMs: number; healthz: { samples: number }; refused: number };
      steady: { healthz: { samples: number }; historyEpochs: number };
    };
    expect(report).toMatchObject({ benchmark: 'streams', streams: 20, rounds: 2 });
    expect(report.burst.refused).toBe(0);
    expect(report.burst.allOpenMs).toBeGreaterThan(0);
    expect(report.idleHealthz.samples).toBeGreaterThan(5);
    expect(report.burst.healthz.samples).toBeGreaterThan(0);
    expect(report.steady).toMatchObject({ historyEpochs: 5 });
    expect(report.steady.healthz.samples).toBeGreaterThan(10);
  }, 120_000);
});
