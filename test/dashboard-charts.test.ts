import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLASS_NAMES } from '@convoy/schemas';
import { launchBrowser, screenshot } from './support/browser.js';
import { startTestStack, waitFor, type TestStack } from './support/dashboard-stack.js';
import { DATA_DIR, startApp, type RunningProcess } from './support/processes.js';

/**
 * The interactive charts and inspections in Chromium, over two tiny runs trained by a real worker
 * process (so scalars.json, distributions.json and every visualization are real): learning curves
 * (per batch and per epoch, hover, zoom, log scale, smoothing), the misclassified grid, the
 * random and per-class pickers, the weight distributions, the shared histogram axis, and compare.
 */

const TINY_MODEL = {
  layers: [
    { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' },
    { type: 'maxPooling2d', poolSize: 4 },
    { type: 'flatten' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
};
const RUN = { model: TINY_MODEL, epochs: 2, batchSize: 32, dataset: { limit: 640 } };

describe('interactive charts and inspection in a real browser', () => {
  let stack: TestStack;
  let worker: RunningProcess;
  let browser: Browser;
  let first = '';
  let second = '';

  const dashboard = (path: string) => fetch(`${stack.dashboardUrl}${path}`);
  const finished = async (id: string) => {
    await waitFor(
      async () => {
        const view = (await (await stack.callApi(`/v1/jobs/${id}`)).json()) as { state: string };
        if (view.state === 'failed' || view.state === 'cancelled')
          throw new Error(`${id} ${view.state}`);
        return view.state === 'completed' ? true : undefined;
      },
      `${id} to complete`,
      240_000,
    );
  };

  beforeAll(async () => {
    stack = await startTestStack({ visualizationWaitMs: 2_000 });
    worker = startApp('worker', {
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      CONVOY_QUEUE_PREFIX: stack.prefix,
      ARTIFACTS_DIR: stack.artifactsDir,
      DATA_DIR,
      CONVOY_BACKEND: 'wasm',
    });
    first = await stack.createTrainJob({ ...RUN, seed: 1 });
    second = await stack.createTrainJob({ ...RUN, seed: 2, optimizer: { learningRate: 0.003 } });
    browser = await launchBrowser();
    await finished(first);
    await finished(second);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.stop('SIGTERM');
    await stack?.stop();
  });

  const openJob = async (id: string): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('close', () => expect(errors).toEqual([]));
    await page.goto(`${stack.dashboardUrl}/jobs/${id}`);
    return page;
  };
  const chartState = (page: Page, selector: string) =>
    page.$eval(selector, (chart) => ({ ...(chart as HTMLElement).dataset }));

  it('draws the learning curves with per-batch and per-epoch points, values on hover, zoom, log scale and smoothing', async () => {
    const page = await openJob(first);
    await page.waitForSelector('#chart-loss[data-points] .u-over');
    const state = await chartState(page, '#chart-loss');
    // 640 images, 20% validation: 512 to train, 16 batches an epoch, a point every batch.
    expect(state.series?.split('|')).toEqual([
      'loss per batch',
      'loss per batch (smoothed)',
      'loss per epoch',
      'val_loss',
    ]);
    expect(Number(state.points)).toBe(2 * 32 + 2 + 2);
    expect(await page.textContent('#curves-note')).toContain(
      'every 1 batches (16 batches an epoch)',
    );

    // Hover: the legend shows the values under the cursor.
    const over = page.locator('#chart-loss .u-over');
    // The mouse moves in the viewport: the chart must be on screen (the page above it grows).
    await over.scrollIntoViewIfNeeded();
    const box = await over.boundingBox();
    if (box === null) throw new Error('the chart has no plot area');
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    const values = await page.$$eval('#chart-loss .u-legend .u-value', (cells) =>
      cells.map((cell) => cell.textContent ?? ''),
    );
    expect(values[0]).toMatch(/^\d/); // the epoch under the cursor
    expect(values[2]).toMatch(/^\d+\.\d+/); // the smoothed per-batch loss there
    await screenshot(page, 'charts-learning-curves-hover');

    // Zoom: drag across the middle of the chart narrows the x range; reset restores it.
    const [xMin, xMax] = [Number(state.xMin), Number(state.xMax)];
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const zoomed = await chartState(page, '#chart-loss');
    expect(Number(zoomed.xMin)).toBeGreaterThan(xMin);
    expect(Number(zoomed.xMax)).toBeLessThan(xMax);
    await page.click('#curves-panel [data-chart-reset]');
    const reset = await chartState(page, '#chart-loss');
    expect([Number(reset.xMin), Number(reset.xMax)]).toEqual([xMin, xMax]);

    // Smoothing changes the smoothed series (and only its values).
    const before = Number(state.sum);
    await page.$eval('#curves-panel [data-chart-smoothing]', (input) => {
      (input as HTMLInputElement).value = '0';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    const unsmoothed = await chartState(page, '#chart-loss');
    expect(unsmoothed.smoothing).toBe('0');
    expect(Number(unsmoothed.sum)).not.toBeCloseTo(before, 3);
    expect(unsmoothed.points).toBe(state.points);

    // Log scale.
    await page.check('#curves-panel [data-chart-log]');
    expect((await chartState(page, '#chart-loss')).yScale).toBe('log');
    expect((await chartState(page, '#chart-accuracy')).yScale).toBe('log');

    // Per-batch points off: the epoch series remain.
    await page.uncheck('#curves-panel [data-chart-batches]');
    expect((await chartState(page, '#chart-accuracy')).series).toBe(
      'accuracy per epoch|val_accuracy',
    );

    // node-canvas still draws the images, in every format.
    await page.click('details.static-images summary');
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('#curves-loss');
      return img !== null && img.complete && img.naturalWidth > 0;
    });
    for (const [format, type] of [
      ['png', 'image/png'],
      ['svg', 'image/svg+xml'],
      ['pdf', 'application/pdf'],
    ]) {
      const href = await page.getAttribute(`a[href^="/jobs/${first}/curves.${format}"]`, 'href');
      const answer = await dashboard(href ?? '');
      expect([answer.status, answer.headers.get('content-type')]).toEqual([200, type]);
    }
    await page.close();
  });

  it('shows the misclassified test images (true ≠ predicted), and a click inspects one', async () => {
    const page = await openJob(first);
    // Computed when the reader gets there, not on every view of the page.
    await page.waitForTimeout(500);
    expect(await page.textContent('#mistakes-summary')).toBe('');
    await page.locator('#misclassified-panel').scrollIntoViewIfNeeded();
    await page.waitForSelector('#mistakes .mistake', { timeout: 120_000 });
    const items = await page.$$eval('#mistakes .mistake', (buttons) =>
      buttons.map((button) => ({
        label: (button as HTMLElement).dataset.label ?? '',
        predicted: (button as HTMLElement).dataset.predicted ?? '',
        text: button.textContent ?? '',
      })),
    );
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) {
      expect(item.label).not.toBe(item.predicted);
      expect(item.text).toContain(`true: ${CLASS_NAMES[Number(item.label)]}`);
      expect(item.text).toMatch(
        new RegExp(`predicted: ${CLASS_NAMES[Number(item.predicted)]} \\d+\\.\\d%`),
      );
    }
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll<HTMLImageElement>('#mistakes img')).every(
        (img) => img.complete && img.naturalWidth > 0,
      ),
    );
    // Filter by true class: every item shown is of that class.
    const label = items[0]?.label ?? '0';
    await page.selectOption('#mistakes-class', label);
    const filtered = await page.$$eval('#mistakes .mistake', (buttons) =>
      buttons.map((button) => (button as HTMLElement).dataset.label),
    );
    expect(filtered.length).toBeGreaterThan(0);
    expect(new Set(filtered)).toEqual(new Set([label]));
    await screenshot(page, 'charts-misclassified');

    const chosen = page.locator('#mistakes .mistake').first();
    const sample = await chosen.getAttribute('data-sample');
    await chosen.click();
    await expect.poll(() => page.inputValue('#viz-sample')).toBe(sample);
    await expect
      .poll(() => page.textContent('#predictions-status'), { timeout: 60_000 })
      .toBe(`Test image ${sample}: true class ${CLASS_NAMES[Number(label)]}.`);
    await page.close();
  });

  it('picks random test images, of any class or of a chosen one, and random mistakes', async () => {
    const page = await openJob(first);
    const sampleBefore = await page.inputValue('#viz-sample');
    const seen = new Set<string>();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await page.click('#pick-random');
      seen.add(await page.inputValue('#viz-sample'));
    }
    seen.add(sampleBefore);
    expect(seen.size).toBeGreaterThan(2);

    // A chosen class: every picked image is of that class, as the worker's predictions say.
    for (const classIndex of [7, 2, 7]) {
      await page.selectOption('#pick-class', String(classIndex));
      const previous = await page.inputValue('#viz-sample');
      await page.click('#pick-random');
      await expect
        .poll(() => page.inputValue('#viz-sample'), { timeout: 60_000 })
        .not.toBe(previous);
      const sample = await page.inputValue('#viz-sample');
      await expect
        .poll(() => page.textContent('#predictions-status'), { timeout: 60_000 })
        .toBe(`Test image ${sample}: true class ${CLASS_NAMES[classIndex]}.`);
    }
    await page.click('#pick-mistake');
    await expect.poll(() => page.textContent('#pick-status')).toMatch(/^test image \d+ \(one of/);
    await page.close();

    // The route behind the pickers: 20 picks of class 3 are all of class 3; mistakes are mistakes.
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const pick = (await (await dashboard(`/jobs/${first}/pick.json?class=3`)).json()) as {
        label: number;
        candidates: number;
      };
      expect(pick).toMatchObject({ label: 3, candidates: 1000 });
      const mistake = (await (
        await dashboard(`/jobs/${first}/pick.json?which=misclassified`)
      ).json()) as { label: number; predicted: number };
      expect(mistake.label).not.toBe(mistake.predicted);
    }
    expect((await dashboard(`/jobs/${first}/pick.json?class=12`)).status).toBe(400);
  });

  it('shows every weight tensor’s distribution across epochs', async () => {
    const page = await openJob(first);
    await page.waitForSelector('#distribution-chart[data-points]');
    const options = await page.$$eval('#distribution-weight option', (list) =>
      list.map((option) => option.textContent),
    );
    expect(options).toEqual([
      'conv2d kernel (Conv2D)',
      'conv2d bias (Conv2D)',
      'dense kernel (Dense)',
      'dense bias (Dense)',
    ]);
    // 9 quantiles × epochs 0 (untrained), 1 and 2.
    const kernel = await chartState(page, '#distribution-chart');
    expect(Number(kernel.points)).toBe(27);
    await page.selectOption('#distribution-weight', '1');
    await expect
      .poll(async () => (await chartState(page, '#distribution-chart')).sum)
      .not.toBe(kernel.sum);
    expect(await page.textContent('#distribution-caption')).toContain('conv2d bias');
    await screenshot(page, 'charts-distributions');
    await page.close();
  });

  it('draws trained and untrained weight histograms on one x axis', async () => {
    const image = async (weights: string) => {
      const url = `/jobs/${first}/visualizations/weights-histogram.png?layer=0&weights=${weights}`;
      const answer = await waitFor(
        async () => {
          const response = await dashboard(url);
          return response.status === 202 ? undefined : response;
        },
        url,
        60_000,
      );
      expect(answer.status).toBe(200);
      return PNG.sync.read(Buffer.from(await answer.arrayBuffer()));
    };
    const [trained, untrained] = [await image('trained'), await image('untrained')];
    expect([trained.width, trained.height]).toEqual([untrained.width, untrained.height]);
    // The bottom band (x tick labels and the axis label) is the same picture in both: before, each
    // image spanned its own kernel's range.
    const band = (png: PNG) => png.data.subarray(png.width * 4 * (png.height - 50));
    expect(Buffer.compare(band(trained), band(untrained))).toBe(0);
  });

  it('compares runs: the parameters that differ, names, overlaid curves, confusion matrices and predictions side by side', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${stack.dashboardUrl}/compare?ids=${first},${second}`);
    const rows = await page.$$eval('#param-diff-table tbody tr', (list) =>
      list.map((row) => [
        (row as HTMLElement).dataset.param,
        ...Array.from(row.querySelectorAll('td.differs'), (cell) => cell.textContent?.trim()),
      ]),
    );
    expect(rows).toEqual([
      ['optimizer.learningRate', '0.001', '0.003'],
      ['seed', '1', '2'],
    ]);
    const headers = await page.$$eval('#param-diff-table thead th[data-job]', (cells) =>
      cells.map((cell) => cell.textContent?.trim()),
    );
    expect(headers).toEqual([
      `custom (4 layers) · lr 0.001 · …${first.slice(-4)}`,
      `custom (4 layers) · lr 0.003 · …${second.slice(-4)}`,
    ]);
    await page.waitForSelector('#compare-chart-loss[data-points]');
    const overlay = await chartState(page, '#compare-chart-loss');
    const series = overlay.series?.split('|') ?? [];
    for (const header of headers) {
      expect(series).toContain(`${header}: loss per epoch`);
      expect(series).toContain(`${header}: val_loss`);
      expect(series).toContain(`${header}: loss per batch (smoothed)`);
    }
    await page.waitForFunction(
      () =>
        Array.from(document.querySelectorAll<HTMLImageElement>('#side-by-side figure img')).every(
          (img) => img.complete && img.naturalWidth > 0,
        ),
      undefined,
      { timeout: 120_000 },
    );
    expect(await page.locator('#side-by-side figure.viz').count()).toBe(2);
    await expect
      .poll(
        () =>
          page.$$eval('.compare-predictions', (lists) =>
            lists.map((list) => list.querySelectorAll('li').length),
          ),
        { timeout: 60_000 },
      )
      .toEqual([3, 3]);
    await screenshot(page, 'charts-compare');
    await page.close();
  });
});
