import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelCheckpointOf } from '@convoy/core';
import { createRedisConnection, removeQueuePrefix } from '@convoy/queue';
import { checkpointEpochOf, trainingResultSchema, type JobView } from '@convoy/schemas';
import {
  brokenImages,
  launchBrowser,
  screenshot,
  visualizationsSettled,
} from './support/browser.js';
import { freePort } from './support/ports.js';
import {
  DATA_DIR,
  REDIS_URL,
  startApp,
  waitUntil,
  type RunningProcess,
} from './support/processes.js';

/**
 * The job page while a real worker process trains a tiny job, and after: the live detail (running
 * loss/accuracy, images/s, ETA, backend, a ticking Duration), which checkpoint the pictures show
 * ("as of epoch N", redrawn as better ones land), the checkpointed epoch's figures, and a first
 * view of the completed job served from the visualizations the worker precomputed (no visualize
 * job enqueued by viewing it).
 */

const TOKEN = `test-token-${randomUUID()}`;
const TRAINING_TIMEOUT_MS = 240_000;

/** What the page showed, sampled every 100 ms by a script installed before the page's own. */
interface Sample {
  readonly state: string;
  readonly progress: string;
  readonly backend: string;
  readonly duration: string;
  readonly asOf: string;
}

const recordSamples = () => {
  const samples: Sample[] = [];
  (window as unknown as { samples: Sample[] }).samples = samples;
  const text = (selector: string) => document.querySelector(selector)?.textContent?.trim() ?? '';
  setInterval(() => {
    samples.push({
      state: text('#job-state'),
      progress: text('#progress-text'),
      backend: text('#fact-backend'),
      duration: text('#fact-duration'),
      asOf: text('#viz-as-of'),
    });
  }, 100);
};

describe('live job detail and precomputed first view, with a real worker process', () => {
  const prefix = `test-${randomUUID()}`;
  let artifactsDir: string;
  let apiUrl: string;
  let dashboardUrl: string;
  let browser: Browser;
  const processes: RunningProcess[] = [];

  const callApi = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (await response.json()) as T;
  };
  const visualizeJobs = async () =>
    (await callApi<{ items: JobView[] }>('GET', '/v1/jobs?type=visualize&limit=100')).items;

  beforeAll(async () => {
    artifactsDir = await mkdtemp(join(tmpdir(), 'convoy-dashboard-live-'));
    const [apiPort, dashboardPort] = [await freePort(), await freePort()];
    apiUrl = `http://127.0.0.1:${apiPort}`;
    dashboardUrl = `http://127.0.0.1:${dashboardPort}`;
    const env = {
      REDIS_URL,
      CONVOY_QUEUE_PREFIX: prefix,
      ARTIFACTS_DIR: artifactsDir,
      DATA_DIR,
      API_TOKEN: TOKEN,
    };
    processes.push(startApp('api', { ...env, API_PORT: String(apiPort), API_HOST: '127.0.0.1' }));
    processes.push(
      startApp('worker', { ...env, CONVOY_BACKEND: 'wasm', WORKER_PRECOMPUTE: 'all' }),
    );
    processes.push(
      startApp('dashboard', {
        API_URL: apiUrl,
        API_TOKEN: TOKEN,
        ARTIFACTS_DIR: artifactsDir,
        DASHBOARD_PORT: String(dashboardPort),
        DASHBOARD_HOST: '127.0.0.1',
      }),
    );
    for (const url of [`${apiUrl}/healthz`, `${dashboardUrl}/healthz`]) {
      await waitUntil(
        async () => ((await fetch(url).catch(() => null))?.ok ? true : undefined),
        30_000,
        url,
      );
    }
    await processes[1]?.waitFor(/compute backend ready/, 60_000);
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(processes.map((process) => process.stop('SIGTERM')));
    const connection = createRedisConnection(REDIS_URL, 'blocking');
    await removeQueuePrefix(connection, prefix);
    await connection.quit();
    await rm(artifactsDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  it(
    'shows progress, backend, a ticking Duration and the checkpoint while training; then the first view needs no visualization job',
    async () => {
      const { id } = await callApi<{ id: string }>('POST', '/v1/jobs', {
        type: 'train',
        // Small batches: enough steps per epoch for the page to see training under way.
        params: { epochs: 2, batchSize: 16, seed: 11, dataset: { limit: 600 } },
      });
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await context.addInitScript(recordSamples);
      const live = await context.newPage();
      const pageErrors: string[] = [];
      live.on('pageerror', (error) => pageErrors.push(error.message));
      await live.goto(`${dashboardUrl}/jobs/${id}`);

      // During training: loss, accuracy, images/s and ETA in the progress line, the backend named.
      await live.waitForFunction(
        () =>
          /loss \d\.\d{4} · accuracy [\d.]+% · [\d,]+ images\/s · ETA /.test(
            document.querySelector('#progress-text')?.textContent ?? '',
          ),
        undefined,
        { timeout: TRAINING_TIMEOUT_MS, polling: 100 },
      );
      expect(await live.textContent('#job-state')).toBe('active');
      expect(await live.textContent('#fact-backend')).toMatch(/^wasm · /);
      await screenshot(live, 'dashboard-live-training');

      await live.waitForFunction(
        () => document.querySelector('#job-state')?.textContent === 'completed',
        undefined,
        { timeout: TRAINING_TIMEOUT_MS, polling: 200 },
      );
      const job = await callApi<JobView>('GET', `/v1/jobs/${id}`);
      const result = trainingResultSchema.parse(job.result);
      // The final panel: every picture drawn, labelled with the final checkpoint.
      expect(await visualizationsSettled(live, 60_000)).toEqual([]);
      const samples = await live.evaluate(
        () => (window as unknown as { samples: Sample[] }).samples,
      );
      const active = samples.filter((sample) => sample.state === 'active');
      expect(active.length).toBeGreaterThan(0);
      // Never an empty progress line: a stage names what a starting job does.
      expect(active.every((sample) => sample.progress !== '')).toBe(true);
      expect(active.some((sample) => /^wasm · /.test(sample.backend))).toBe(true);
      // Duration ticked while the job ran.
      expect(new Set(active.map((sample) => sample.duration)).size).toBeGreaterThan(2);
      // "As of epoch N", relabelled as checkpoints landed, ending at the checkpointed epoch.
      const labels = [...new Set(samples.map((sample) => sample.asOf).filter(Boolean))];
      expect(labels.some((label) => /as of epoch \d+ \(the checkpoint so far/.test(label))).toBe(
        true,
      );
      expect(labels.length).toBeGreaterThan(1);
      const final = await live.textContent('#viz-as-of');
      expect(final).toContain(
        `as of epoch ${result.bestEpoch} (the final checkpoint, chosen by val_loss`,
      );

      // The checkpointed epoch: the result's, the history's best by the monitor, and model.json's.
      const best = checkpointEpochOf(result.history, { monitor: 'val_loss', saveBestOnly: true });
      expect(best?.record.epoch).toBe(result.bestEpoch);
      const modelJson = await readFile(join(artifactsDir, id, 'model/model.json'));
      expect(modelCheckpointOf(modelJson)?.epoch).toBe(result.bestEpoch);
      expect(await live.getAttribute('#fact-best', 'data-epoch')).toBe(String(result.bestEpoch));
      const bestText = (await live.textContent('#fact-best')) ?? '';
      expect(bestText).toContain(
        `${((best?.record.val_accuracy ?? 0) * 100).toFixed(1)}% (epoch ${result.bestEpoch}, by val_loss)`,
      );
      expect(bestText).toContain(`val_loss ${best?.record.val_loss?.toFixed(4)}`);
      expect(pageErrors).toEqual([]);
      await context.close();

      // The list names the same epoch.
      const list = await browser.newPage();
      await list.goto(dashboardUrl);
      expect(await list.getAttribute(`tr[data-id="${id}"] td.num[title]`, 'title')).toBe(
        `checkpoint: epoch ${result.bestEpoch}, by val_loss`,
      );
      await list.close();

      // First view of the completed job in a fresh browser: only stored results, no new job.
      const stored = await readdir(join(artifactsDir, id, 'visualizations'));
      // Two conv layers × (filters, histogram) × (trained, untrained) + maps + predictions + matrix.
      expect(stored.length).toBeGreaterThanOrEqual(11);
      const before = (await visualizeJobs()).map((item) => item.id).sort();
      const fresh = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page: Page = await fresh.newPage();
      const started = Date.now();
      await page.goto(`${dashboardUrl}/jobs/${id}`);
      expect(await visualizationsSettled(page, 60_000)).toEqual([]);
      await page.waitForSelector('#per-class table');
      await page.waitForSelector('#predictions li');
      const firstViewMs = Date.now() - started;
      expect(await brokenImages(page)).toEqual([]);
      expect((await visualizeJobs()).map((item) => item.id).sort()).toEqual(before);
      // Generous for a loaded test machine; `npm run bench -- dashboard` measures it properly.
      expect(firstViewMs).toBeLessThan(10_000);
      await screenshot(page, 'dashboard-live-first-view');
      await fresh.close();
    },
    TRAINING_TIMEOUT_MS * 2,
  );
});
