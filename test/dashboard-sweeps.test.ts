import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '@convoy/schemas';
import { launchBrowser, screenshot } from './support/browser.js';
import { startTestStack, type TestStack } from './support/dashboard-stack.js';
import { DATA_DIR, REDIS_URL, startApp, type RunningProcess } from './support/processes.js';

/**
 * The dashboard's sweep pages in Chromium, against a real API and dashboard (in-process) and a
 * real wasm worker: the notebook's comparison (two presets × two learning rates) through the sweep
 * form, its page live as the trials train, the leaderboard sorted by the metric and by any column,
 * compare the top 2; and a 100-trial random sweep (cancelled at once, so nothing trains) whose
 * page loads and sorts quickly.
 */

let stack: TestStack;
let browser: Browser;
let worker: RunningProcess | undefined;

beforeAll(async () => {
  stack = await startTestStack();
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await worker?.stop('SIGTERM');
  await stack?.stop();
});

async function view(id: string): Promise<JobView> {
  const response = await stack.callApi(`/v1/jobs/${id}`);
  expect(response.status).toBe(200);
  return (await response.json()) as JobView;
}

async function openPage(path: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('close', () => expect(errors).toEqual([]));
  await page.goto(`${stack.dashboardUrl}${path}`);
  return page;
}

/** The leaderboard's rows as the page shows them, top to bottom. */
function leaderboard(page: Page) {
  return page.$$eval('#leaderboard-rows tr[data-id]', (rows) =>
    rows.map((row) => {
      const cells = Array.from(row.querySelectorAll('td')).map(
        (cell) => cell.textContent?.trim() ?? '',
      );
      return {
        id: row.getAttribute('data-id') ?? '',
        trial: Number(row.getAttribute('data-trial')),
        state: row.getAttribute('data-state') ?? '',
        cells,
      };
    }),
  );
}

const ariaSort = (page: Page, column: string) =>
  page.getAttribute(`#leaderboard th[data-column="${column}"]`, 'aria-sort');

/** Clicks a column's heading and measures, in the page, the click and the layout it causes. */
function timedSort(page: Page, column: string): Promise<number> {
  return page.evaluate((key) => {
    const button = document.querySelector<HTMLButtonElement>(
      `#leaderboard button[data-column="${key}"]`,
    );
    if (button === null) throw new Error(`no heading ${key}`);
    const started = performance.now();
    button.click();
    void document.body.offsetHeight; // the table laid out again
    return performance.now() - started;
  }, column);
}

describe('a 100-trial random sweep', () => {
  it('loads its page with 100 rows in under 2 s, cancels after a confirmation, re-sorts in under 200 ms', async () => {
    const created = await stack.callApi('/v1/jobs', {
      method: 'POST',
      json: {
        type: 'sweep',
        name: 'wide random search',
        params: {
          method: 'random',
          trials: 100,
          base: { epochs: 2, dataset: { limit: 300 } },
          parameters: {
            'model.preset': ['cnn', 'cnn-avgpool'],
            'optimizer.learningRate': { distribution: 'log_uniform', min: 0.0001, max: 0.01 },
            batchSize: { distribution: 'int_uniform', min: 16, max: 128 },
          },
          earlyTermination: { type: 'median' },
        },
      },
    });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    // No worker runs yet: its page is cancelled below, and none of its trials ever trains.

    const page = await openPage(`/jobs/${id}`);
    await page.waitForSelector('#leaderboard[data-ready="true"]');
    // From the start of the navigation to the page drawn (its script's first draw), in the page.
    const readyMs = Number(await page.getAttribute('#leaderboard', 'data-ready-ms'));
    expect(readyMs).toBeGreaterThan(0);
    expect(readyMs).toBeLessThan(2_000);
    expect(await page.$$eval('#leaderboard-rows tr[data-id]', (rows) => rows.length)).toBe(100);
    expect(await page.$$eval('#trial-chips li', (chips) => chips.length)).toBe(100);
    expect(await page.$$eval('#parallel-coordinates svg', (charts) => charts.length)).toBe(1);
    expect(await page.$$eval('#parallel-coordinates polyline', (lines) => lines.length)).toBe(100);
    expect(await page.getAttribute('#parallel-coordinates g[data-scale="log"]', 'data-axis')).toBe(
      'optimizer.learningRate (log)',
    );
    expect(await page.textContent('#sweep-counts')).toContain(
      '0 of 100 trials finished · 100 waiting',
    );

    // Cancel asks first: dismissed, nothing happens; accepted, every waiting trial is removed.
    page.once('dialog', (dialog) => void dialog.dismiss());
    await page.click('#cancel-job');
    expect((await view(id)).cancelRequested).toBe(false);
    page.once('dialog', (dialog) => {
      expect(dialog.message()).toContain('Cancel this sweep?');
      void dialog.accept();
    });
    await page.click('#cancel-job');
    await page.waitForFunction(() =>
      document.querySelector('#sweep-counts')?.textContent?.includes('100 cancelled'),
    );
    expect((await view(id)).sweep?.trials.cancelled).toBe(100);
    // Its median rule's figures: none stopped, as none ran.
    expect(await page.textContent('#compute-saved')).toBe(
      'Median stopping has stopped no trial yet.',
    );
    expect(
      await page.$$eval('#leaderboard-rows tr[data-state="cancelled"]', (rows) => rows.length),
    ).toBe(100);

    // Sorting by the learning rate, then reversing it: each well under 200 ms, and in order.
    const learningRates = async () => (await leaderboard(page)).map((row) => Number(row.cells[3]));
    const firstSort = await timedSort(page, 'param:optimizer.learningRate');
    expect(await ariaSort(page, 'param:optimizer.learningRate')).toBe('ascending');
    expect(await ariaSort(page, 'rank')).toBe('none');
    const ascending = await learningRates();
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    const secondSort = await timedSort(page, 'param:optimizer.learningRate');
    expect(await ariaSort(page, 'param:optimizer.learningRate')).toBe('descending');
    expect(await learningRates()).toEqual([...ascending].reverse());
    const batchSort = await timedSort(page, 'param:batchSize');
    for (const ms of [firstSort, secondSort, batchSort]) expect(ms).toBeLessThan(200);
    console.log(
      `100-trial sweep page: drawn ${readyMs} ms after navigation; re-sorted in ${[firstSort, secondSort, batchSort].map((ms) => ms.toFixed(0)).join(', ')} ms`,
    );
    await screenshot(page, 'sweep-100-trials');
    await page.close();
  });
});

describe('the notebook’s comparison as a sweep', () => {
  let page: Page;
  let id = '';
  let rows: Awaited<ReturnType<typeof leaderboard>> = [];
  let values: number[] = [];

  afterAll(async () => {
    if (page !== undefined && !page.isClosed()) await page.close();
  });

  it('is set up in the form, which counts its trials and shows the API’s refusal of one', async () => {
    worker = startApp('worker', {
      REDIS_URL,
      CONVOY_QUEUE_PREFIX: stack.prefix,
      ARTIFACTS_DIR: stack.artifactsDir,
      DATA_DIR,
      CONVOY_BACKEND: 'wasm',
    });
    page = await openPage('/sweeps/new');
    const preview = () => page.textContent('#trial-preview');
    expect(await preview()).toContain('2 trials');
    const row = (n: number) => `#dimension-rows tr.dimension-row:nth-child(${n})`;
    await page.fill('#field-runName', 'notebook comparison');
    await page.fill('#field-epochs', '1');
    await page.fill('#field-limit', '300');
    await page.fill(`${row(1)} .dimension-path`, 'model.preset');
    await page.fill(`${row(1)} .dimension-values`, 'cnn, cnn-avgpool');
    expect(await preview()).toContain('2 trials');
    await page.click('#add-dimension');
    await page.fill(`${row(2)} .dimension-path`, 'optimizer.learningRate');
    await page.fill(`${row(2)} .dimension-values`, '0.001');
    expect(await preview()).toContain('2 trials (2 × 1)');
    await page.fill(`${row(2)} .dimension-values`, '0.001, 0.0003');
    expect(await preview()).toBe('4 trials (2 × 2) · at most 1,000 per sweep');

    // A third dimension with a value no trial may take: the API's 400 names the trial, and the
    // form shows it beside that dimension. Removed, the count is back to 4.
    await page.click('#add-dimension');
    await page.fill(`${row(3)} .dimension-path`, 'model.layers[0].filters');
    await page.fill(`${row(3)} .dimension-values`, '16, 4096');
    expect(await preview()).toContain('8 trials (2 × 2 × 2)');
    await page.click('#submit-sweep');
    await page.waitForFunction(
      () => document.querySelector('#dimension-rows tr:nth-child(3) .dimension-error')?.textContent,
    );
    expect(await page.textContent(`${row(3)} .dimension-error`)).toMatch(
      /^trial 1 of 8 \(model\.preset=cnn, optimizer\.learningRate=0\.001, model\.layers\[0\]\.filters=4096\): /,
    );
    expect(await page.getAttribute(`${row(3)} .dimension-values`, 'aria-invalid')).toBe('true');
    expect(await page.textContent('#form-errors')).toContain(
      'Dimension 3 (model.layers[0].filters)',
    );
    await screenshot(page, 'sweep-form-error');
    expect(new URL(page.url()).pathname).toBe('/sweeps/new');
    await page.click(`${row(3)} button[data-action="remove"]`);
    expect(await preview()).toBe('4 trials (2 × 2) · at most 1,000 per sweep');
    await screenshot(page, 'sweep-form');

    await Promise.all([page.waitForURL(/\/jobs\/sweep_/), page.click('#submit-sweep')]);
    id = new URL(page.url()).pathname.split('/').pop() ?? '';
    await page.waitForSelector('#leaderboard[data-ready="true"]');
    expect(await page.$$eval('#leaderboard-rows tr[data-id]', (rows) => rows.length)).toBe(4);
    expect(await page.textContent('h1')).toContain('notebook comparison');

    // The API has it as the form said.
    const sweep = await view(id);
    expect(sweep.type).toBe('sweep');
    expect(sweep.params).toMatchObject({
      method: 'grid',
      base: { epochs: 1, dataset: { limit: 300 } },
      parameters: {
        'model.preset': { values: ['cnn', 'cnn-avgpool'] },
        'optimizer.learningRate': { values: [0.001, 0.0003] },
      },
      metric: { name: 'val_loss', goal: 'minimize' },
    });
  });

  it('trains every trial while its page follows, to a complete leaderboard ranked by val_loss', async () => {
    // Live: every trial trains (one worker, one at a time) and the page follows without a reload.
    await page.waitForFunction(
      () => {
        const rows = Array.from(document.querySelectorAll('#leaderboard-rows tr[data-id]'));
        return (
          rows.length === 4 &&
          rows.every((row) =>
            ['completed', 'pruned'].includes(row.getAttribute('data-state') ?? ''),
          )
        );
      },
      undefined,
      { timeout: 240_000, polling: 500 },
    );
    // The sweep completes once its worker has ranked the trials; the page stops asking then.
    await page.waitForFunction(
      () => document.querySelector('#job-state')?.textContent === 'completed',
      undefined,
      { timeout: 60_000, polling: 500 },
    );
    expect(await page.isHidden('#cancel-job')).toBe(true);
    expect(await page.isVisible('#delete-job')).toBe(true);
    expect(await page.textContent('#sweep-status')).toBe('The sweep is completed.');
    expect(await page.getAttribute('#sweep-progress', 'class')).toContain('done');
    const completed = await view(id);
    expect(completed.state).toBe('completed');
    // The page was drawn as the sweep began: its finish and wall time follow it (the result's seconds).
    const seconds = (completed.result as { seconds: number }).seconds;
    expect(seconds).toBeGreaterThan(1);
    expect(await page.textContent('#fact-wall-time')).toBe(`${seconds.toFixed(1)} s`);
    expect(await page.textContent('#fact-finished')).toBe(
      `${completed.finishedAt?.slice(0, 10)} ${completed.finishedAt?.slice(11, 19)}`,
    );
    rows = await leaderboard(page);
    expect(rows.map((entry) => entry.id)).toEqual(
      (completed.result as { leaderboard: { id: string }[] }).leaderboard.map((entry) => entry.id),
    );
    // Ranked 1–4 by val_loss, lowest first, each with its best epoch and its link.
    expect(rows.map((entry) => entry.cells[0])).toEqual(['1', '2', '3', '4']);
    values = rows.map((entry) => Number(entry.cells[4]));
    expect(values.every((value) => Number.isFinite(value) && value > 0)).toBe(true);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(new Set(rows.map((entry) => `${entry.cells[2]} ${entry.cells[3]}`)).size).toBe(4);
    expect(await page.textContent('#sweep-best')).toContain(`trial #${rows[0]?.trial}`);
    expect(await page.$$eval('#parallel-coordinates polyline', (lines) => lines.length)).toBe(4);
    expect(await page.textContent('#sweep-counts')).toContain('4 of 4 trials finished');
    await screenshot(page, 'sweep-page');
  });

  it('sorts by any column, links each trial, and compares the top 2', async () => {
    // A heading sorts by its column, a second click reverses; the rank column restores the ranking.
    await page.click('#leaderboard button[data-column="param:model.preset"]');
    expect(await ariaSort(page, 'param:model.preset')).toBe('ascending');
    const presets = (await leaderboard(page)).map((entry) => entry.cells[2]);
    expect(presets).toEqual(['cnn', 'cnn', 'cnn-avgpool', 'cnn-avgpool']);
    await page.click('#leaderboard button[data-column="value"]');
    await page.click('#leaderboard button[data-column="value"]');
    expect(await ariaSort(page, 'value')).toBe('descending');
    expect((await leaderboard(page)).map((entry) => Number(entry.cells[4]))).toEqual(
      [...values].reverse(),
    );

    // A trial's number opens its own job page.
    const trialHref = await page.getAttribute(
      `#leaderboard-rows tr[data-id="${rows[0]?.id}"] a`,
      'href',
    );
    expect(trialHref).toBe(`/jobs/${rows[0]?.id}`);
    const trialPage = await openPage(trialHref ?? '');
    expect(await trialPage.getAttribute('#trial-of a', 'href')).toBe(`/jobs/${id}`);
    await trialPage.close();

    // Compare the top 2: the compare view with the two best trials.
    await page.selectOption('#compare-k', '2');
    expect(await page.textContent('#compare-top')).toBe('Compare top 2');
    await Promise.all([page.waitForURL(/\/compare\?ids=/), page.click('#compare-top')]);
    expect(new URL(page.url()).searchParams.get('ids')).toBe(`${rows[0]?.id},${rows[1]?.id}`);
    expect(await page.textContent('h1')).toContain('Compare 2 runs');
    expect(await page.$$eval('.run[data-job]', (runs) => runs.length)).toBe(2);
    await screenshot(page, 'sweep-compare-top-2');
    await page.close();
  });

  it('is in the list’s Sweeps tab with its trial counts; its trials name it', async () => {
    // The list: the Sweeps tab shows it with its trial counts; its trials name their sweep.
    const list = await openPage('/?type=sweep');
    const sweepRow = list.locator(`#job-rows tr[data-id="${id}"]`);
    expect(await sweepRow.textContent()).toContain('sweep · grid · 4 trials');
    expect(await sweepRow.textContent()).toContain('4/4 trials finished');
    expect(await sweepRow.getAttribute('data-state')).toBe('completed');
    await list.goto(`${stack.dashboardUrl}/?type=train`);
    const trialRow = list.locator(`#job-rows tr[data-id="${rows[0]?.id}"]`);
    expect(await trialRow.textContent()).toMatch(/trial #\d of/);
    expect(await trialRow.locator('.trial-of a').getAttribute('href')).toBe(`/jobs/${id}`);
    await screenshot(list, 'sweep-list-trials');
    await list.close();
  });

  it('fits a phone: the sweep page, the form and the list scroll inside their tables and chart', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    for (const path of [`/jobs/${id}`, '/sweeps/new', '/?type=sweep']) {
      await phone.goto(`${stack.dashboardUrl}${path}`);
      expect(await phone.evaluate(() => document.documentElement.scrollWidth), path).toBe(390);
    }
    await phone.goto(`${stack.dashboardUrl}/jobs/${id}`);
    await phone.waitForSelector('#leaderboard[data-ready="true"]');
    await screenshot(phone, 'sweep-phone');
    await phone.close();
  });

  it('is deleted from its page with its trials, after a confirmation that says so', async () => {
    const sweepPage = await openPage(`/jobs/${id}`);
    sweepPage.once('dialog', (dialog) => {
      expect(dialog.message()).toBe(
        'Delete run "notebook comparison" with its 4 trials, their artifacts and visualizations? This cannot be undone.',
      );
      void dialog.accept();
    });
    await Promise.all([
      sweepPage.waitForURL(`${stack.dashboardUrl}/`),
      sweepPage.click('#delete-job'),
    ]);
    await sweepPage.close();
    for (const gone of [id, ...rows.map((entry) => entry.id)]) {
      expect((await stack.callApi(`/v1/jobs/${gone}`)).status).toBe(404);
    }
  });
});
