import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ConvoyClient } from '@convoy/client';
import { freePort, startAppProcess, startBenchStack, type AppProcess } from './api-process.js';
import { median } from './median.js';

export interface DashboardBenchmarkOptions {
  /** The checkout whose built apps run (api, worker, dashboard). */
  readonly root: string;
  readonly redisUrl: string;
  readonly dataDir: string;
  readonly chromiumPath: string;
  readonly epochs: number;
  readonly limit: number;
  /** WORKER_PRECOMPUTE of the worker: `off` measures the first view as it was before. */
  readonly precompute: 'all' | 'cheap' | 'off';
  /** Completed jobs measured (each opened once fresh, then again); medians are reported. */
  readonly jobs: number;
  /** Also report the slowest requests of the first view (where the time goes). */
  readonly requests?: boolean | undefined;
}

export interface DashboardBenchmarkResult {
  readonly epochs: number;
  readonly limit: number;
  readonly precompute: string;
  readonly jobs: number;
  /** Navigation to every image decoded (and predictions and per-class table filled), first visit. */
  readonly firstViewMs: readonly number[];
  /** The same, a second visit in the same browser (HTTP cache warm). */
  readonly secondViewMs: readonly number[];
  readonly medianFirstViewMs: number;
  readonly medianSecondViewMs: number;
  /** Images on the page that had to be decoded. */
  readonly images: number;
  /** What the worker spent precomputing before each job completed (seconds), from its log. */
  readonly precomputeSeconds: readonly number[];
  /** With `requests`: the first view's slowest requests of the last job, milliseconds from start to end. */
  readonly slowestRequests?: readonly { readonly url: string; readonly ms: number }[];
  /** With `requests`: the same for the second view (what is still fetched with a warm cache). */
  readonly slowestSecondViewRequests?: readonly { readonly url: string; readonly ms: number }[];
}

async function waitHealthy(url: string, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (
    !(await fetch(url).then(
      (response) => response.ok,
      () => false,
    ))
  ) {
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${withinMs} ms`);
    await sleep(100);
  }
}

/** Milliseconds from navigation until every <img> is decoded and the data parts are filled. */
async function timeView(page: Page, url: string): Promise<{ ms: number; images: number }> {
  const started = performance.now();
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(
    // Runs in the page (the CLI is compiled without the DOM's types, hence a string).
    `(() => {
      const images = Array.from(document.querySelectorAll('img'));
      const figures = Array.from(document.querySelectorAll('figure.viz'));
      return (
        figures.length > 0 &&
        figures.every((figure) => !figure.classList.contains('pending')) &&
        images.every((img) => img.complete && img.naturalWidth > 0) &&
        document.querySelector('#predictions li') !== null &&
        document.querySelector('#per-class table') !== null
      );
    })()`,
    undefined,
    { timeout: 300_000, polling: 'raf' },
  );
  const ms = performance.now() - started;
  const failed = await page.locator('figure.failed').count();
  if (failed > 0) throw new Error(`${failed} figures failed on ${url}`);
  return { ms, images: await page.locator('img').count() };
}

/**
 * `convoy bench dashboard`: an API, a worker and a dashboard process on a throwaway queue prefix
 * and artifacts directory; trains `jobs` small jobs; then in Chromium times the job page of each
 * completed job never opened before (fresh browser context: empty cache) from navigation to every
 * image decoded, and a second visit in the same context. Goals: ≤ 2 s and ≤ 0.5 s.
 */
export async function benchmarkDashboard(
  options: DashboardBenchmarkOptions,
): Promise<DashboardBenchmarkResult> {
  const stack = await startBenchStack({
    name: 'dashboard',
    root: options.root,
    redisUrl: options.redisUrl,
    dataDir: options.dataDir,
    workers: 1,
    workerEnv: { WORKER_PRECOMPUTE: options.precompute },
  });
  const { api, env } = stack;
  const [worker] = stack.workers as [AppProcess];
  const dashboardPort = await freePort();
  const dashboard = startAppProcess(
    join(options.root, 'apps/dashboard/dist/main.js'),
    options.root,
    {
      API_URL: api.url,
      API_TOKEN: '',
      ARTIFACTS_DIR: env.ARTIFACTS_DIR,
      DASHBOARD_PORT: String(dashboardPort),
      DASHBOARD_HOST: '127.0.0.1',
    },
  );
  const dashboardUrl = `http://127.0.0.1:${dashboardPort}`;
  let browser: Browser | undefined;
  try {
    await waitHealthy(`${dashboardUrl}/healthz`, 30_000);
    const client = new ConvoyClient({ baseUrl: api.url });
    const ids: string[] = [];
    for (let index = 0; index < options.jobs; index += 1) {
      const job = await client.createJob({
        type: 'train',
        params: { epochs: options.epochs, seed: 100 + index, dataset: { limit: options.limit } },
      });
      ids.push(job.id);
    }
    for (const id of ids) {
      for (;;) {
        const view = await client.getJob(id);
        if (view.state === 'completed') break;
        if (view.state === 'failed' || view.state === 'cancelled')
          throw new Error(`training job ${id} ${view.state}: ${view.error?.message ?? ''}`);
        await sleep(500);
      }
    }
    browser = await chromium.launch({
      executablePath: options.chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
    const firstViewMs: number[] = [];
    const secondViewMs: number[] = [];
    let images = 0;
    let slowestRequests: { url: string; ms: number }[] = [];
    let slowestSecondViewRequests: { url: string; ms: number }[] = [];
    for (const id of ids) {
      // bypassCSP: the readiness check is evaluated from a string (the page's CSP forbids eval).
      const context = await browser.newContext({
        viewport: { width: 1280, height: 900 },
        bypassCSP: true,
      });
      const page = await context.newPage();
      const timings: { url: string; ms: number }[] = [];
      page.on('requestfinished', (request) => {
        const timing = request.timing();
        timings.push({
          url: request.url().replace(dashboardUrl, ''),
          ms: Math.round(timing.responseEnd),
        });
      });
      const first = await timeView(page, `${dashboardUrl}/jobs/${id}`);
      slowestRequests = timings
        .splice(0)
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 12);
      const second = await timeView(page, `${dashboardUrl}/jobs/${id}`);
      page.removeAllListeners('requestfinished');
      slowestSecondViewRequests = timings.sort((a, b) => b.ms - a.ms).slice(0, 12);
      firstViewMs.push(Math.round(first.ms));
      secondViewMs.push(Math.round(second.ms));
      images = first.images;
      await context.close();
    }
    const precomputeSeconds = worker.lines
      .filter((line) => line.includes('"visualizations precomputed"'))
      .map((line) => Number((JSON.parse(line) as { seconds?: number }).seconds ?? NaN))
      .map((seconds) => Math.round(seconds * 100) / 100);
    return {
      epochs: options.epochs,
      limit: options.limit,
      precompute: options.precompute,
      jobs: options.jobs,
      firstViewMs,
      secondViewMs,
      medianFirstViewMs: median(firstViewMs),
      medianSecondViewMs: median(secondViewMs),
      images,
      precomputeSeconds,
      ...(options.requests ? { slowestRequests, slowestSecondViewRequests } : {}),
    };
  } finally {
    await browser?.close();
    await dashboard.stop();
    await stack.stop();
  }
}
