import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Job } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANCELLED_REASON, createRedisConnection, JobQueues } from '@convoy/queue';
import type { JobView } from '@convoy/schemas';
import { launchBrowser, screenshot } from './support/browser.js';
import {
  REDIS_URL,
  startTestStack,
  trainingResult,
  waitFor,
  type TestStack,
} from './support/dashboard-stack.js';

/**
 * Run management in the dashboard (issue #12): names, tags and notes edited on a job's page; the
 * list's search, filters, sort and pages; clone into the form; cancel and delete with a
 * confirmation; resume of a cancelled run. The API and dashboard are real and in-process, the
 * worker a real BullMQ worker with a fake processor: seed 99 trains until it is cancelled (its
 * second attempt completes), everything else completes at once.
 */

const LONG_RUN_SEED = 99;

let stack: TestStack;
let browser: Browser;
let queues: JobQueues;
const attempts = new Map<string, number>();

async function api<T>(
  method: string,
  path: string,
  json?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await stack.callApi(path, { method, ...(json === undefined ? {} : { json }) });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as T };
}

async function submit(body: Record<string, unknown>): Promise<string> {
  const { status, body: created } = await api<{ id: string }>('POST', '/v1/jobs', {
    type: 'train',
    ...body,
    params: { epochs: 2, ...(body.params as object | undefined) },
  });
  expect(status).toBe(202);
  return created.id;
}

async function view(id: string): Promise<JobView> {
  const { status, body } = await api<JobView>('GET', `/v1/jobs/${id}`);
  expect(status).toBe(200);
  return body;
}

async function waitForState(id: string, state: string): Promise<JobView> {
  return waitFor(async () => {
    const current = await view(id);
    return current.state === state ? current : undefined;
  }, `${id} to be ${state}`);
}

async function train(job: Job): Promise<unknown> {
  const id = job.id ?? '';
  const attempt = (attempts.get(id) ?? 0) + 1;
  attempts.set(id, attempt);
  if (await queues.cancellation.isRequested(id)) throw new UnrecoverableError(CANCELLED_REASON);
  const seed = (job.data as { params: { seed: number } }).params.seed;
  if (seed === LONG_RUN_SEED && attempt === 1) {
    for (let batch = 1; ; batch += 1) {
      await job.updateProgress({
        progress: { epoch: 1, epochs: 2, batch, batches: 10_000, percent: batch / 200 },
        history: [],
      });
      if (await queues.cancellation.isRequested(id)) throw new UnrecoverableError(CANCELLED_REASON);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return trainingResult(2);
}

beforeAll(async () => {
  stack = await startTestStack();
  queues = new JobQueues({ connection: createRedisConnection(REDIS_URL), prefix: stack.prefix });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await queues?.close();
  await stack?.stop();
});

async function openPage(path: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${stack.dashboardUrl}${path}`);
  return page;
}

const rowNames = (page: Page) =>
  page.$$eval('#job-rows tr[data-id] .run-cell > a:first-of-type', (links) =>
    links.map((link) => link.textContent?.trim() ?? ''),
  );

describe('run management in the dashboard', () => {
  let cancelledEarly: string;

  beforeAll(async () => {
    // Before any worker runs: a job cancelled while it waits never starts.
    cancelledEarly = await submit({ name: 'never started' });
    expect((await api('DELETE', `/v1/jobs/${cancelledEarly}`)).status).toBe(200);
    await stack.startWorker('train', train);
  });

  it('says a job cancelled before it started has no model summary, and offers resume', async () => {
    const page = await openPage(`/jobs/${cancelledEarly}`);
    const model = await page.textContent('#model');
    expect(model).toContain('cancelled before a worker started it');
    expect(model).not.toContain('appears when a worker starts');
    expect(await page.isVisible('#resume-job')).toBe(true);
    expect(await page.isVisible('#delete-job')).toBe(true);
    expect(await page.isHidden('#cancel-job')).toBe(true);
    await page.close();
  });

  it('edits a run’s name, tags and notes on its page; the list shows them', async () => {
    const id = await submit({});
    await waitForState(id, 'completed');
    const page = await openPage(`/jobs/${id}`);
    expect(await page.textContent('#run-name')).toBe('Unnamed run');
    await page.click('#edit-run');
    await page.fill('#run-name-input', 'lr sweep 0.001');
    await page.fill('#run-tags-input', 'sweep, baseline');
    await page.fill('#run-notes-input', 'first try\nsecond line');
    await page.click('#save-run');
    await page.waitForSelector('#run-form', { state: 'hidden' });
    expect(await page.textContent('#run-name')).toBe('lr sweep 0.001');
    expect(
      await page.$$eval('#run-tags li', (items) => items.map((item) => item.textContent)),
    ).toEqual(['sweep', 'baseline']);
    expect(await page.textContent('#run-notes')).toBe('first try\nsecond line');
    expect(await view(id)).toMatchObject({
      name: 'lr sweep 0.001',
      tags: ['sweep', 'baseline'],
      notes: 'first try\nsecond line',
    });

    // A bad edit is refused with the API's message, and nothing changes.
    await page.click('#edit-run');
    await page.fill('#run-tags-input', 'ok, <bad>');
    await page.click('#save-run');
    await page.waitForFunction(() => document.querySelector('#run-form-error')?.textContent !== '');
    expect(await page.textContent('#run-form-error')).toContain('tags');
    expect((await view(id)).tags).toEqual(['sweep', 'baseline']);
    await page.click('#discard-run-edit');

    // Reloaded (the dashboard forgot its cached copy of the finished job): still the new name.
    await page.reload();
    expect(await page.textContent('#run-name')).toBe('lr sweep 0.001');
    await screenshot(page, 'runs-job-edited');
    const list = await openPage('/');
    expect(await rowNames(list)).toContain('lr sweep 0.001');
    await list.close();
    await page.close();
  });

  it('searches, filters, sorts and pages the list; visualization jobs only in their tab', async () => {
    const names = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];
    const ids: Record<string, string> = {};
    for (const name of names) {
      ids[name] = await submit({
        name: `run ${name}`,
        tags: name === 'alpha' || name === 'charlie' ? ['findme'] : [],
        params: name === 'delta' ? { model: { preset: 'cnn-avgpool' } } : {},
      });
    }
    for (const id of Object.values(ids)) await waitForState(id, 'completed');
    const visualization = await queues.enqueue({
      type: 'visualize',
      params: { jobId: ids.alpha ?? '', kind: 'filters', weights: 'trained' },
    });

    const page = await openPage('/?type=train&q=run+&per=2');
    expect(await rowNames(page)).toEqual(['run echo', 'run delta']);
    expect(await page.textContent('#page-status')).toMatch(/Page 1 of 3\s*·\s*5\s*runs/);
    await Promise.all([page.waitForURL(/page=2/), page.click('#page-next')]);
    expect(await rowNames(page)).toEqual(['run charlie', 'run bravo']);
    await Promise.all([page.waitForURL(/page=3/), page.click('#page-next')]);
    expect(await rowNames(page)).toEqual(['run alpha']);
    expect(await page.$('#page-next')).toBeNull();
    expect(await page.textContent('#job-rows')).toContain('1 visualization');

    // Sort by name: the first click sorts descending, the second ascending.
    await Promise.all([page.waitForURL(/sort=name/), page.click('th a[data-sort="name"]')]);
    expect(await rowNames(page)).toEqual(['run echo', 'run delta']);
    await Promise.all([page.waitForURL(/order=asc/), page.click('th a[data-sort="name"]')]);
    expect(await rowNames(page)).toEqual(['run alpha', 'run bravo']);
    expect(await page.getAttribute('th:has(a[data-sort="name"])', 'aria-sort')).toBe('ascending');

    // Search text, a tag, a model: the form keeps the sort.
    await page.goto(`${stack.dashboardUrl}/?type=train`);
    await page.fill('#filter-q', 'CHAR');
    await Promise.all([page.waitForURL(/q=CHAR/), page.click('#apply-filters')]);
    expect(await rowNames(page)).toEqual(['run charlie']);
    await page.fill('#filter-q', '');
    await page.fill('#filter-tag', 'findme');
    await Promise.all([page.waitForURL(/tag=findme/), page.click('#apply-filters')]);
    expect(await rowNames(page)).toEqual(['run charlie', 'run alpha']);
    await page.fill('#filter-tag', '');
    await page.selectOption('#filter-model', 'cnn-avgpool');
    await Promise.all([page.waitForURL(/model=cnn-avgpool/), page.click('#apply-filters')]);
    expect(await rowNames(page)).toEqual(['run delta']);
    await page.selectOption('#filter-model', '');
    await page.selectOption('#filter-state', 'cancelled');
    await Promise.all([page.waitForURL(/state=cancelled/), page.click('#apply-filters')]);
    expect(await rowNames(page)).toEqual(['never started']);
    await screenshot(page, 'runs-list-filtered');

    // The default list is training runs only; visualizations have their tab.
    await page.goto(`${stack.dashboardUrl}/`);
    const defaultIds = await page.$$eval('#job-rows tr[data-id]', (rows) =>
      rows.map((row) => row.getAttribute('data-id')),
    );
    expect(defaultIds).not.toContain(visualization.id);
    await page.click(`a.viz-count[href*="${ids.alpha}"]`);
    await page.waitForURL(/type=visualize/);
    const vizIds = await page.$$eval('#job-rows tr[data-id]', (rows) =>
      rows.map((row) => row.getAttribute('data-id')),
    );
    expect(vizIds).toEqual([visualization.id]);
    // The 2-second refresh keeps the page's query.
    await page.waitForFunction(
      () => document.querySelector('#list-status')?.textContent?.startsWith('Updated'),
      undefined,
      {
        timeout: 10_000,
      },
    );
    expect(
      await page.$$eval('#job-rows tr[data-id]', (rows) =>
        rows.map((row) => row.getAttribute('data-id')),
      ),
    ).toEqual([visualization.id]);
    await page.close();
  });

  it('clones a run into the form with its parameters', async () => {
    const id = await submit({
      name: 'source run',
      tags: ['clone-me'],
      params: {
        epochs: 3,
        batchSize: 64,
        seed: 5,
        validationSplit: 0.1,
        optimizer: { name: 'sgd', learningRate: 0.01 },
        earlyStopping: { patience: 4, monitor: 'val_accuracy' },
        dataset: { limit: 500 },
        model: { preset: 'cnn-avgpool' },
      },
    });
    const page = await openPage(`/jobs/${id}`);
    await Promise.all([page.waitForURL(/\/jobs\/new\?from=/), page.click('#clone-job')]);
    expect(await page.textContent('#clone-notice')).toContain('source run');
    expect(await page.inputValue('#field-epochs')).toBe('3');
    expect(await page.inputValue('#field-batchSize')).toBe('64');
    expect(await page.inputValue('#field-seed')).toBe('5');
    expect(await page.inputValue('#field-validationSplit')).toBe('0.1');
    expect(await page.inputValue('#field-learningRate')).toBe('0.01');
    expect(await page.inputValue('#field-limit')).toBe('500');
    expect(await page.inputValue('#field-patience')).toBe('4');
    expect(await page.isChecked('input[name="model-mode"][value="cnn-avgpool"]')).toBe(true);
    expect(await page.inputValue('#field-runName')).toBe('source run (copy)');
    expect(await page.inputValue('#field-runTags')).toBe('clone-me');
    await screenshot(page, 'runs-clone-form');
    await page.fill('#field-epochs', '2');
    await Promise.all([page.waitForURL(/\/jobs\/train_[0-9a-z]+$/), page.click('#submit-job')]);
    const cloneId = page.url().split('/').pop() ?? '';
    expect(cloneId).not.toBe(id);
    expect(await view(cloneId)).toMatchObject({
      name: 'source run (copy)',
      tags: ['clone-me'],
      params: {
        epochs: 2,
        batchSize: 64,
        seed: 5,
        validationSplit: 0.1,
        optimizer: { name: 'sgd', learningRate: 0.01 },
        earlyStopping: { patience: 4, monitor: 'val_accuracy' },
        dataset: { limit: 500 },
        model: { preset: 'cnn-avgpool' },
      },
    });
    expect((await stack.callApi('/v1/jobs/new')).status).toBe(404);
    const missing = await openPage('/jobs/new?from=train_zzzzzzzzzzzz');
    expect(await missing.textContent('h1')).toContain('Not found');
    await missing.close();
    await page.close();
  });

  it('cancels only after a confirmation, then resumes the cancelled run', async () => {
    const id = await submit({ name: 'long run', params: { seed: LONG_RUN_SEED } });
    const page = await openPage(`/jobs/${id}`);
    await page.waitForFunction(
      () => document.querySelector('#job-state')?.textContent === 'active',
      undefined,
      {
        timeout: 20_000,
      },
    );
    expect(await page.isHidden('#resume-job')).toBe(true);
    expect(await page.isHidden('#delete-job')).toBe(true);

    const dismissed = page.waitForEvent('dialog').then(async (dialog) => {
      expect(dialog.type()).toBe('confirm');
      expect(dialog.message()).toContain('Cancel this job?');
      await dialog.dismiss();
    });
    await page.click('#cancel-job');
    await dismissed;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await view(id)).toMatchObject({ state: 'active', cancelRequested: false });
    expect(await page.textContent('#cancel-job')).toContain('Cancel');

    page.once('dialog', (dialog) => void dialog.accept());
    await page.click('#cancel-job');
    await page.waitForFunction(
      () => document.querySelector('#job-state')?.textContent === 'cancelled',
      undefined,
      { timeout: 20_000 },
    );
    await page.waitForSelector('#resume-job', { state: 'visible' });
    expect(await page.isVisible('#delete-job')).toBe(true);
    await screenshot(page, 'runs-cancelled');

    await Promise.all([page.waitForEvent('load'), page.click('#resume-job')]);
    await page.waitForFunction(
      () => document.querySelector('#job-state')?.textContent === 'completed',
      undefined,
      { timeout: 20_000 },
    );
    const resumed = await view(id);
    expect(resumed).toMatchObject({ id, state: 'completed', name: 'long run' });
    expect(attempts.get(id)).toBe(2);
    await page.close();
  });

  it('deletes a finished run with its artifacts only after a confirmation', async () => {
    const id = await submit({ name: 'doomed' });
    await waitForState(id, 'completed');
    await stack.writeArtifact(id, 'model/model.json', '{"format":"layers-model"}');
    const page = await openPage(`/jobs/${id}`);
    await page.waitForSelector('#delete-job', { state: 'visible' });

    const dismissed = page.waitForEvent('dialog').then(async (dialog) => {
      expect(dialog.message()).toContain('Delete run "doomed"');
      await dialog.dismiss();
    });
    await page.click('#delete-job');
    await dismissed;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await view(id)).state).toBe('completed');
    expect(existsSync(join(stack.artifactsDir, id, 'model', 'model.json'))).toBe(true);

    page.once('dialog', (dialog) => void dialog.accept());
    await Promise.all([page.waitForURL(`${stack.dashboardUrl}/`), page.click('#delete-job')]);
    expect((await api('GET', `/v1/jobs/${id}`)).status).toBe(404);
    expect(existsSync(join(stack.artifactsDir, id))).toBe(false);
    expect(await rowNames(page)).not.toContain('doomed');
    const gone = await page.goto(`${stack.dashboardUrl}/jobs/${id}`);
    expect(gone?.status()).toBe(404);
    await page.close();
  });
});
