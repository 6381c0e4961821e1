import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGrayscalePng } from '@convoy/core';
import { createRedisConnection, removeQueuePrefix } from '@convoy/queue';
import {
  brokenImages,
  launchBrowser,
  screenshot,
  screenshotElement,
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

/** A 28×28 grayscale PNG (a bright square on black), as a user would upload. */
const squarePng = () =>
  encodeGrayscalePng(
    Uint8Array.from({ length: 784 }, (_, index) => {
      const [y, x] = [Math.floor(index / 28), index % 28];
      return x > 6 && x < 21 && y > 4 && y < 24 ? 220 : 0;
    }),
  );

const TOKEN = `test-token-${randomUUID()}`;
const TRAINING_TIMEOUT_MS = 240_000;
const VISUALIZATION_TIMEOUT_MS = 240_000;

describe('the dashboard in a real browser, in front of a real stack (API + 2 workers)', () => {
  const prefix = `test-${randomUUID()}`;
  let artifactsDir: string;
  let apiUrl: string;
  let dashboardUrl: string;
  let browser: Browser;
  const processes: RunningProcess[] = [];
  /** A second run for the comparison, submitted straight to the API. */
  let otherRun: string;
  let formRun: string;

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

  beforeAll(async () => {
    artifactsDir = await mkdtemp(join(tmpdir(), 'convoy-dashboard-e2e-'));
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
    for (let index = 0; index < 2; index += 1) {
      processes.push(startApp('worker', { ...env, CONVOY_BACKEND: 'wasm' }));
    }
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
    // Trains on the second worker while the browser submits the first run.
    otherRun = (
      await callApi<{ id: string }>('POST', '/v1/jobs', {
        type: 'train',
        params: { model: { preset: 'cnn-avgpool' }, epochs: 2, seed: 7, dataset: { limit: 640 } },
      })
    ).id;
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(processes.map((process) => process.stop('SIGTERM')));
    const connection = createRedisConnection(REDIS_URL, 'blocking');
    await removeQueuePrefix(connection, prefix);
    await connection.quit();
    // Retries: a worker that was just stopped may still be finishing a write (ENOTEMPTY).
    await rm(artifactsDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  it('submits a job from the form, follows it live, then shows its filters, maps and predictions', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    await page.goto(`${dashboardUrl}/jobs/new`);
    // The API's validation, shown beside the fields it names.
    await page.fill('#field-epochs', '500');
    await page.fill('#field-limit', '50');
    await page.click('#submit-job');
    await expect.poll(() => page.textContent('[data-error-for="params.epochs"]')).toMatch(/200/);
    expect(await page.textContent('[data-error-for="params.dataset.limit"]')).toMatch(/100/);
    expect(page.url()).toBe(`${dashboardUrl}/jobs/new`);
    await screenshot(page, 'submit-errors');

    await page.fill('#field-epochs', '2');
    await page.fill('#field-limit', '640');
    await Promise.all([page.waitForURL(/\/jobs\/train_[0-9a-z]+$/), page.click('#submit-job')]);
    formRun = page.url().split('/').pop() ?? '';

    // Every value the progress bar takes, from the moment the page is up.
    await page.evaluate(() => {
      const bar = document.querySelector('#job-progress') as HTMLProgressElement;
      const seen = ((window as unknown as { progressSeen: number[] }).progressSeen = [bar.value]);
      new MutationObserver(() => seen.push(bar.value)).observe(bar, { attributes: true });
      setInterval(() => seen.push(bar.value), 50);
    });
    await page.waitForFunction(
      () => {
        const bar = document.querySelector('#job-progress') as HTMLProgressElement;
        return bar.value > 0 && bar.value < 100;
      },
      undefined,
      { timeout: TRAINING_TIMEOUT_MS, polling: 50 },
    );
    await screenshot(page, 'job-training');
    await page.waitForFunction(
      () => document.querySelector('#job-state')?.textContent === 'completed',
      undefined,
      { timeout: TRAINING_TIMEOUT_MS, polling: 200 },
    );
    const seen = await page.evaluate(
      () => (window as unknown as { progressSeen: number[] }).progressSeen,
    );
    expect(
      seen.some((value) => value > 0 && value < 100),
      seen.join(),
    ).toBe(true);
    expect(seen.at(-1)).toBe(100);
    expect(await page.isHidden('#cancel-job')).toBe(true);

    // Learning curves, summary, architecture and every visualization of the first conv layer.
    await page.waitForSelector('#summary-table');
    expect(await page.textContent('#summary-table')).toContain('333,526');
    expect(await page.getAttribute('#curves-loss', 'src')).toMatch(/epochs=2/);
    expect(await visualizationsSettled(page)).toEqual([]);
    expect(await brokenImages(page)).toEqual([]);
    // Predictions (top-k bars) and accuracy per class come as JSON and are drawn by the page.
    await page.waitForFunction(
      () =>
        document.querySelectorAll('#predictions li').length === 10 &&
        document.querySelectorAll('#per-class tbody tr').length === 10,
      undefined,
      { timeout: VISUALIZATION_TIMEOUT_MS },
    );
    const downloads = await page.$$eval('#downloads a', (links) =>
      links.map((link) => link.getAttribute('href')),
    );
    expect(downloads).toContain(`/api/jobs/${formRun}/artifacts/model/model.json`);
    const sources = () =>
      page.$$eval('figure.viz img', (images) =>
        images.map((image) => image.getAttribute('src') ?? ''),
      );
    expect(await sources()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/filters\.png\?layer=0&weights=trained$/),
        expect.stringMatching(/filters\.png\?layer=0&weights=untrained$/),
        expect.stringMatching(/feature-maps\.png\?sample=0&layer=0$/),
        expect.stringMatching(/feature-maps\.png\?sample=0&layer=2$/),
      ]),
    );
    await screenshot(page, 'job-completed');

    // The second conv layer: its filters trained and untrained, and another test image.
    await page.selectOption('#viz-layer', '2');
    await page.fill('#viz-sample', '5');
    await page.waitForTimeout(500); // the sample input waits for typing to stop
    expect(await visualizationsSettled(page)).toEqual([]);
    expect(await brokenImages(page)).toEqual([]);
    expect(await sources()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/filters\.png\?layer=2&weights=trained$/),
        expect.stringMatching(/filters\.png\?layer=2&weights=untrained$/),
        expect.stringMatching(/weights-histogram\.png\?layer=2&weights=untrained$/),
        expect.stringMatching(/feature-maps\.png\?sample=5&layer=2$/),
      ]),
    );
    await page
      .locator('#visualizations')
      .screenshot({ path: await screenshot(page, 'job-conv2d_1') });

    // An uploaded 28×28 PNG instead of a test image.
    await page.setInputFiles('#viz-upload', {
      name: 'square.png',
      mimeType: 'image/png',
      buffer: squarePng(),
    });
    await page.waitForFunction(
      () =>
        Array.from(document.querySelectorAll('figure[data-input] img')).every((img) =>
          (img.getAttribute('src') ?? '').includes('upload='),
        ),
      undefined,
      { timeout: VISUALIZATION_TIMEOUT_MS },
    );
    expect(await visualizationsSettled(page)).toEqual([]);
    expect(await brokenImages(page)).toEqual([]);
    await page.waitForFunction(
      () => document.querySelector('#predictions-status')?.textContent === 'Uploaded image.',
      undefined,
      { timeout: VISUALIZATION_TIMEOUT_MS },
    );
    await screenshotElement(page, '#visualizations', 'job-upload');
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 600_000);

  it('cancels a running job from its page', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${dashboardUrl}/jobs/new`);
    await page.fill('#field-epochs', '50');
    await page.fill('#field-limit', '12000');
    await Promise.all([page.waitForURL(/\/jobs\/train_[0-9a-z]+$/), page.click('#submit-job')]);
    await page.waitForFunction(
      () => Number((document.querySelector('#job-progress') as HTMLProgressElement).value) > 0.2,
      undefined,
      { timeout: TRAINING_TIMEOUT_MS, polling: 100 },
    );
    expect(await page.textContent('#job-state')).toBe('active');
    page.once('dialog', (dialog) => void dialog.accept()); // Cancel asks first
    await page.click('#cancel-job');
    await page.waitForFunction(
      () => document.querySelector('#job-state')?.textContent === 'cancelled',
      undefined,
      { timeout: 120_000, polling: 200 },
    );
    expect(await page.isHidden('#cancel-job')).toBe(true);
    await screenshot(page, 'job-cancelled');
    const id = page.url().split('/').pop() ?? '';
    const view = await callApi<{ state: string }>('GET', `/v1/jobs/${id}`);
    expect(view.state).toBe('cancelled');
    await page.close();
  }, 600_000);

  it('lists the runs live and compares two of them', async () => {
    await waitUntil(
      async () => {
        const view = await callApi<{ state: string }>('GET', `/v1/jobs/${otherRun}`);
        return view.state === 'completed' ? true : undefined;
      },
      TRAINING_TIMEOUT_MS,
      'the second run',
    );
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${dashboardUrl}/`);
    for (const id of [formRun, otherRun]) {
      await page.waitForSelector(`tr[data-id="${id}"][data-state="completed"] input.compare-pick`);
    }
    expect(await page.textContent('tbody#job-rows')).toContain('cancelled');
    await screenshot(page, 'job-list');
    // Ticks survive the 2-second refresh of the rows.
    await page.check(`tr[data-id="${formRun}"] input.compare-pick`);
    await page.waitForTimeout(2_500);
    await page.check(`tr[data-id="${otherRun}"] input.compare-pick`);
    await Promise.all([page.waitForURL(/\/compare\?ids=/), page.click('#compare-selected')]);
    expect(page.url()).toContain(formRun);
    expect(page.url()).toContain(otherRun);
    expect(await visualizationsSettled(page)).toEqual([]);
    expect(await brokenImages(page)).toEqual([]);
    expect(await page.$$eval('.runs figure.viz img', (images) => images.length)).toBe(4);
    await screenshot(page, 'compare');
    // The second conv layer of each and another test image.
    await page.selectOption('#compare-conv', '1');
    await page.fill('#compare-sample', '12');
    await page.waitForTimeout(500);
    expect(await visualizationsSettled(page)).toEqual([]);
    expect(await brokenImages(page)).toEqual([]);

    // On a phone: one column, nothing cut off.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${dashboardUrl}/`);
    await screenshot(page, 'job-list-narrow');
    await page.goto(`${dashboardUrl}/jobs/${formRun}`);
    expect(await visualizationsSettled(page)).toEqual([]);
    expect(await brokenImages(page)).toEqual([]);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'job-narrow');
    await page.close();
  }, 600_000);
});
