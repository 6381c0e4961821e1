import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readlink, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection, removeQueuePrefix } from '@convoy/queue';
import {
  artifactListSchema,
  jobViewSchema,
  modelSummarySchema,
  trainingResultSchema,
  VISUALIZATION_KINDS,
  visualizationManifestSchema,
  type TrainingParamsInput,
} from '@convoy/schemas';
// The storage package's own s3rver launcher (a test helper, so not in its public API): the same
// S3-compatible server its tests use.
// eslint-disable-next-line no-restricted-imports
import {
  createBucket,
  createTestS3Client,
  S3RVER_CREDENTIALS,
  startS3rver,
  type RunningS3rver,
} from '../packages/storage/src/s3rver.test-helper.js';
import { apiCalls } from './support/api-calls.js';
import {
  brokenImages,
  launchBrowser,
  screenshot,
  visualizationsSettled,
} from './support/browser.js';
import { freePort } from './support/ports.js';
import { REDIS_URL, startApp, waitUntil, type RunningProcess } from './support/processes.js';

const TOKEN = `test-token-${randomUUID()}`;
/** The job whose worker is killed: 1,024 training images, 32 batches an epoch to kill it in. */
const KILLED_JOB: TrainingParamsInput = {
  epochs: 3,
  seed: 1,
  batchSize: 32,
  dataset: { limit: 1280 },
};
/** The other two: smaller, so a worker is free to resume the killed job soon after the kill. */
const OTHER_JOBS: TrainingParamsInput[] = [2, 3].map((seed) => ({
  epochs: 3,
  seed,
  batchSize: 32,
  dataset: { limit: 640 },
}));
/** Nothing of the test's own environment may point a process at a local folder. */
const UNSET = ['ARTIFACTS_DIR', 'ARTIFACTS_URL', 'DATA_DIR', 'FASHION_MNIST_DIR', 'AWS_PROFILE'];

/** One process as if on its own machine: a private working directory and nothing shared on disk. */
interface Host {
  readonly name: string;
  readonly directory: string;
  readonly process: RunningProcess;
}

/** A worker's JSON log lines (pino) with `msg`, about one job or any. */
const logged = (host: Host, msg: string, jobId?: string) =>
  host.process.output
    .flatMap((line): Record<string, unknown>[] => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    })
    .filter((entry) => entry.msg === msg && (jobId === undefined || entry.jobId === jobId));

/** Bytes per value of a tfjs weight dtype. */
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

describe('multi-host: API, dashboard and three workers in their own folders, sharing only Redis and S3', () => {
  const prefix = `test-${randomUUID()}`;
  const bucket = 'convoy-e2e';
  const auth = { authorization: `Bearer ${TOKEN}` };
  const scratch: string[] = [];
  let s3: RunningS3rver;
  let api: Host;
  let dashboard: Host;
  const workers: Host[] = [];
  let apiUrl: string;
  let dashboardUrl: string;
  let calls: ReturnType<typeof apiCalls>;
  /** The job whose worker was killed in epoch 2, finished by another worker. */
  let resumedJob = '';

  const privateDirectory = async (name: string) => {
    const directory = await mkdtemp(join(tmpdir(), `convoy-host-${name}-`));
    scratch.push(directory);
    return directory;
  };
  const startHost = async (
    name: string,
    app: 'api' | 'worker' | 'dashboard',
    env: (directory: string) => Record<string, string>,
  ): Promise<Host> => {
    const directory = await privateDirectory(name);
    return {
      name,
      directory,
      process: startApp(app, env(directory), { cwd: directory, unset: UNSET }),
    };
  };
  const healthy = (url: string) =>
    waitUntil(
      async () => ((await fetch(url).catch(() => null))?.ok ? true : undefined),
      60_000,
      url,
    );
  const download = (jobId: string, path: string, headers: Record<string, string> = {}) =>
    fetch(`${apiUrl}/v1/jobs/${jobId}/artifacts/${path}`, { headers: { ...auth, ...headers } });

  beforeAll(async () => {
    s3 = await startS3rver(await privateDirectory('s3rver'));
    const client = createTestS3Client(s3.endpoint);
    await createBucket(client, bucket);
    client.destroy();
    const store = {
      ARTIFACTS_URL: `s3://${bucket}/${prefix}`,
      S3_ENDPOINT: s3.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    };
    const [apiPort, dashboardPort] = [await freePort(), await freePort()];
    apiUrl = `http://127.0.0.1:${apiPort}`;
    dashboardUrl = `http://127.0.0.1:${dashboardPort}`;
    calls = apiCalls(apiUrl, auth);
    // No ARTIFACTS_DIR anywhere, and the workers' data caches in their own folders.
    api = await startHost('api', 'api', () => ({
      ...store,
      REDIS_URL,
      CONVOY_QUEUE_PREFIX: prefix,
      API_TOKEN: TOKEN,
      API_PORT: String(apiPort),
      API_HOST: '127.0.0.1',
    }));
    dashboard = await startHost('dashboard', 'dashboard', () => ({
      ...store,
      API_URL: apiUrl,
      API_TOKEN: TOKEN,
      DASHBOARD_PORT: String(dashboardPort),
      DASHBOARD_HOST: '127.0.0.1',
    }));
    for (const name of ['worker-a', 'worker-b', 'worker-c']) {
      workers.push(
        await startHost(name, 'worker', (directory) => ({
          ...store,
          REDIS_URL,
          CONVOY_QUEUE_PREFIX: prefix,
          DATA_DIR: join(directory, 'data'),
          CONVOY_BACKEND: 'wasm',
          TRAINING_THREADS: '1',
          WORKER_CONCURRENCY: '1',
          // A dead worker's job is found within seconds instead of a minute.
          WORKER_LOCK_DURATION_MS: '4000',
          WORKER_STALLED_INTERVAL_MS: '2000',
        })),
      );
    }
    await healthy(`${apiUrl}/healthz`);
    await healthy(`${dashboardUrl}/healthz`);
    await Promise.all(
      workers.map((worker) => worker.process.waitFor(/convoy worker started/, 60_000)),
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...workers, dashboard, api].map((host) => host?.process.stop('SIGTERM')));
    await s3?.stop();
    const connection = createRedisConnection(REDIS_URL, 'blocking');
    await removeQueuePrefix(connection, prefix);
    await connection.quit();
    await Promise.all(
      scratch.map((directory) =>
        rm(directory, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }),
      ),
    );
  });

  it('trains three jobs on three workers; one killed (kill -9) in epoch 2 is resumed by another from the checkpoint in the store', async () => {
    const { call, finished } = calls;
    // Each process runs in its own folder, where its relative paths (./var/artifacts) resolve.
    for (const host of [api, dashboard, ...workers])
      expect(await readlink(`/proc/${host.process.child.pid}/cwd`), host.name).toBe(
        await realpath(host.directory),
      );
    const submitted = await Promise.all(
      [KILLED_JOB, ...OTHER_JOBS].map((params) =>
        call<{ id: string }>('POST', '/v1/jobs', { type: 'train', params }),
      ),
    );
    for (const response of submitted) expect(response.status).toBe(202);
    const ids = submitted.map((response) => response.body.id);
    resumedJob = ids[0] ?? '';

    // Part-way through epoch 2 (a few batches in, a few to go), once epoch 1's checkpoint has
    // landed in the store: uploads go on beside training, so a crash may also lose one in flight.
    const checkpointEpoch = async () => {
      const response = await download(resumedJob, 'checkpoint/state.json');
      return response.ok ? ((await response.json()) as { epoch: number }).epoch : 0;
    };
    const before = await waitUntil(
      async () => {
        const view = jobViewSchema.parse((await call('GET', `/v1/jobs/${resumedJob}`)).body);
        const progress = view.progress;
        return progress?.epoch === 2 &&
          progress.batch > 3 &&
          progress.batch < progress.batches - 3 &&
          (await checkpointEpoch()) === 1
          ? view
          : undefined;
      },
      180_000,
      `job ${resumedJob} to be inside epoch 2`,
    );
    expect(before.history.map((record) => record.epoch)).toEqual([1]);
    const victim = workers.find(
      (worker) => logged(worker, 'training started', resumedJob).length > 0,
    );
    if (victim === undefined) throw new Error(`no worker logged the start of ${resumedJob}`);
    victim.process.child.kill('SIGKILL');
    expect(await victim.process.exited).toBe('SIGKILL');
    // Epoch 1's checkpoint outlives its worker: it is in the store, the only place it was written.
    const stored = artifactListSchema.parse(
      (await call('GET', `/v1/jobs/${resumedJob}/artifacts`)).body,
    );
    expect(stored.items.map((item) => item.path)).toContain('checkpoint/state.json');

    const done = await Promise.all(ids.map((id) => finished(id)));
    for (const job of done) {
      expect(job.state, job.error?.message).toBe('completed');
      const result = trainingResultSchema.parse(job.result);
      expect(result.history.map((record) => record.epoch)).toEqual([1, 2, 3]);
      expect(result.backend).toBe('wasm');
    }
    // Each worker took one of the three jobs first.
    const firstTaken = workers.map((worker) => logged(worker, 'training started')[0]?.jobId);
    expect(new Set(firstTaken)).toEqual(new Set(ids));

    const result = trainingResultSchema.parse(done[0]?.result);
    expect(result.resumedFromEpoch).toBe(1);
    // The killed worker finished epoch 1 only; a surviving worker (another folder, another disk)
    // resumed from epoch 1's checkpoint, which only the object store holds, and trained 2 and 3.
    expect(logged(victim, 'epoch finished', resumedJob)).toHaveLength(1);
    const resumers = workers.filter((worker) =>
      logged(worker, 'training started', resumedJob).some((entry) => entry.resumedFromEpoch === 1),
    );
    expect(resumers.map((worker) => worker.name)).toHaveLength(1);
    expect(resumers[0]).not.toBe(victim);
    expect(logged(resumers[0] as Host, 'epoch finished', resumedJob)).toHaveLength(2);
  }, 400_000);

  it("serves the resumed job's model and files through the API from the store: listing, ETag revalidation, byte ranges", async () => {
    const listing = artifactListSchema.parse(
      (await calls.call('GET', `/v1/jobs/${resumedJob}/artifacts`)).body,
    );
    const paths = listing.items.map((item) => item.path);
    for (const expected of [
      'params.json',
      'summary.json',
      'history.json',
      'model/model.json',
      'initial/model.json',
      'checkpoint/state.json',
    ])
      expect(paths).toContain(expected);

    const model = await download(resumedJob, 'model/model.json');
    expect(model.status).toBe(200);
    const etag = model.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/); // the object's own ETag, not a size-and-time tag
    const again = await download(resumedJob, 'model/model.json', {
      // fetch adds `Cache-Control: no-cache` to conditional requests unless one is given, and a
      // no-cache request is never answered from the cache.
      'if-none-match': etag,
      'cache-control': 'max-age=0',
    });
    expect(again.status).toBe(304);
    const part = await download(resumedJob, 'model/model.json', { range: 'bytes=0-15' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toMatch(/^bytes 0-15\/\d+$/);
    expect(await part.text()).toHaveLength(16);

    // The weights the model names, downloaded: as many bytes as its weight specs say, and as many
    // values as the model has parameters.
    const modelJson = (await model.json()) as {
      modelTopology?: unknown;
      weightsManifest: { paths: string[]; weights: { shape: number[]; dtype: string }[] }[];
    };
    expect(modelJson.modelTopology).toBeDefined();
    const specs = modelJson.weightsManifest.flatMap((group) => group.weights);
    const values = specs.reduce(
      (total, spec) => total + spec.shape.reduce((product, size) => product * size, 1),
      0,
    );
    const specBytes = specs.reduce(
      (total, spec) =>
        total +
        spec.shape.reduce((product, size) => product * size, 1) *
          (DTYPE_BYTES[spec.dtype] ?? Number.NaN),
      0,
    );
    let downloaded = 0;
    for (const file of modelJson.weightsManifest.flatMap((group) => group.paths)) {
      const weights = await download(resumedJob, `model/${file}`);
      expect(weights.status, file).toBe(200);
      downloaded += (await weights.arrayBuffer()).byteLength;
    }
    expect(downloaded).toBe(specBytes);
    const summary = modelSummarySchema.parse(
      await (await download(resumedJob, 'summary.json')).json(),
    );
    expect(values).toBe(summary.totalParams);

    // And through the dashboard's download link (its /api proxy adds the token).
    const viaDashboard = await fetch(
      `${dashboardUrl}/api/jobs/${resumedJob}/artifacts/model/model.json`,
    );
    expect(viaDashboard.status).toBe(200);
    expect(viaDashboard.headers.get('etag')).toBe(etag);
  });

  it('renders every visualization kind of the resumed job in the dashboard, in Chromium, from the store', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(`${dashboardUrl}/jobs/${resumedJob}`);
      expect(await page.textContent('#job-state')).toBe('completed');
      expect(await visualizationsSettled(page)).toEqual([]);
      expect(await brokenImages(page)).toEqual([]);
      // Predictions and accuracy per class come as JSON, drawn by the page.
      await page.waitForFunction(
        () =>
          document.querySelectorAll('#predictions li').length === 10 &&
          document.querySelectorAll('#per-class tbody tr').length === 10,
        undefined,
        { timeout: 120_000 },
      );
      // The misclassified grid is computed when the reader scrolls to it; its tiles are buttons.
      await page.locator('#misclassified-panel').scrollIntoViewIfNeeded();
      await page.waitForFunction(
        () => {
          const tiles = Array.from(document.querySelectorAll<HTMLImageElement>('#mistakes img'));
          return tiles.length > 0 && tiles.every((img) => img.complete && img.naturalWidth > 0);
        },
        undefined,
        { timeout: 120_000 },
      );
      const figures = await page.$$eval('figure.viz', (elements) =>
        elements.map((figure) => {
          const img = figure.querySelector('img');
          return {
            kind: (figure as HTMLElement).dataset.kind ?? '',
            src: img?.getAttribute('src') ?? '',
            width: img?.naturalWidth ?? 0,
          };
        }),
      );
      await screenshot(page, 'multi-host-job');
      expect(pageErrors).toEqual([]);
      await page.close();

      for (const figure of figures) {
        expect(figure.width, figure.src).toBeGreaterThan(0);
        const image = await fetch(new URL(figure.src, dashboardUrl));
        expect(image.status, figure.src).toBe(200);
        expect(image.headers.get('content-type'), figure.src).toBe('image/png');
      }
      // Every kind a worker computes has a picture on the page, but predictions (bars) and the
      // misclassified images (a grid of buttons, waited for above).
      const shown = new Set(figures.map((figure) => figure.kind));
      for (const kind of VISUALIZATION_KINDS)
        if (kind !== 'predictions' && kind !== 'misclassified') expect(shown, kind).toContain(kind);
    } finally {
      await browser.close();
    }

    // The workers stored each result in the object store, tied to the model's save (its S3 ETag).
    const listing = artifactListSchema.parse(
      (await calls.call('GET', `/v1/jobs/${resumedJob}/artifacts`)).body,
    );
    const manifests = await Promise.all(
      listing.items
        .filter((item) => item.path.endsWith('/manifest.json'))
        .map(async (item) =>
          visualizationManifestSchema.parse(await (await download(resumedJob, item.path)).json()),
        ),
    );
    expect(new Set(manifests.map((manifest) => manifest.kind))).toEqual(
      new Set(VISUALIZATION_KINDS),
    );
    for (const manifest of manifests) expect(manifest.modelVersion).toMatch(/^"[0-9a-f]{32}"$/);
  }, 300_000);

  it("left nothing in any process's own folder but the workers' data caches", async () => {
    // Stopped first, so that whatever a process writes on its way out is seen too.
    for (const host of [...workers, dashboard, api]) {
      const killed = host.process.child.signalCode === 'SIGKILL';
      expect(await host.process.stop('SIGTERM'), host.name).toBe(killed ? 'SIGKILL' : 0);
    }
    for (const host of [api, dashboard])
      expect(await readdir(host.directory, { recursive: true }), host.name).toEqual([]);
    for (const worker of workers) {
      const entries = await readdir(worker.directory, { recursive: true });
      expect(entries, worker.name).toContain(join('data', 'fashion-mnist'));
      for (const entry of entries)
        expect(entry, worker.name).toMatch(/^data(\/fashion-mnist(\/.*)?)?$/);
    }
  });
});
