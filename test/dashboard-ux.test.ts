import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGrayscalePng } from '@convoy/core';
import { renderArchitecture } from '@convoy/render';
import { modelSummarySchema, trainingParamsSchema } from '@convoy/schemas';
import { launchBrowser, screenshot, visualizationsSettled } from './support/browser.js';
import { startTestStack, waitFor, type TestStack } from './support/dashboard-stack.js';
import { DATA_DIR, REDIS_URL, startApp, type RunningProcess } from './support/processes.js';

/**
 * The dashboard's defects of issue #12 that a person meets in the browser: the form's messages,
 * stale results, uploads of the wrong size, the layer editor, accessibility, phone widths and the
 * architecture diagram's shapes. The API and dashboard run in-process; one real worker process
 * trains a small model and computes its visualizations.
 */

const TIMEOUT_MS = 120_000;
/** Two small conv layers: quick to train on 300 images and to visualize, as any model is. */
const SMALL_MODEL = {
  layers: [
    { type: 'conv2d', filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'maxPooling2d' },
    { type: 'conv2d', filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'maxPooling2d' },
    { type: 'flatten' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
};

let stack: TestStack;
let browser: Browser;

/** A page whose script errors fail the test, and the POSTs it sends. */
async function openPage(path: string, viewport = { width: 1280, height: 900 }) {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  const posts: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('request', (request) => {
    if (request.method() === 'POST') posts.push(new URL(request.url()).pathname);
  });
  await page.goto(`${stack.dashboardUrl}${path}`);
  return { page, errors, posts };
}

/** The bounds the API's schema gives a number field, as a person reads them: `1–1,024`. */
function schemaRange(field: 'batchSize' | 'epochs'): { min: number; max: number; text: string } {
  const schema = trainingParamsSchema.shape[field].unwrap();
  const [min, max] = [schema.minValue ?? NaN, schema.maxValue ?? NaN];
  return { min, max, text: `${min.toLocaleString('en-US')}–${max.toLocaleString('en-US')}` };
}

const columnWidths = (page: Page) =>
  page.$$eval('.layer-table thead th', (cells) =>
    cells.map((cell) => Math.round(cell.getBoundingClientRect().width)),
  );

let worker: RunningProcess;
/** The small trained job, once it has completed and its first views are being computed. */
let trained: Promise<string>;

/** Completion of the small training job, then its page's default visualizations asked for. */
async function trainAndWarm(jobId: string): Promise<string> {
  await waitFor(
    async () => {
      const view = (await (await stack.callApi(`/v1/jobs/${jobId}`)).json()) as { state: string };
      if (view.state === 'failed') throw new Error(`training failed: ${worker.output.join('\n')}`);
      return view.state === 'completed' ? true : undefined;
    },
    'the small training job',
    TIMEOUT_MS,
  );
  // Computed by the worker while the form's tests run: the job page's first view then only reads.
  const paths = [
    ...['trained', 'untrained'].flatMap((weights) =>
      ['filters', 'weights-histogram'].map((kind) => `${kind}.png?layer=0&weights=${weights}`),
    ),
    'input.png?sample=0',
    'feature-maps.png?sample=0&layer=0',
    'feature-maps.png?sample=0&layer=2',
    'predictions.json?sample=0',
    'confusion-matrix.json',
  ];
  await Promise.all(
    paths.map((path) => fetch(`${stack.dashboardUrl}/jobs/${jobId}/visualizations/${path}`)),
  );
  return jobId;
}

beforeAll(async () => {
  stack = await startTestStack();
  // A real worker trains the small model while the form's tests (which need none) run.
  worker = startApp('worker', {
    REDIS_URL,
    CONVOY_QUEUE_PREFIX: stack.prefix,
    ARTIFACTS_DIR: stack.artifactsDir,
    DATA_DIR,
    CONVOY_BACKEND: 'wasm',
  });
  const jobId = await stack.createTrainJob({
    model: SMALL_MODEL,
    epochs: 1,
    seed: 3,
    dataset: { limit: 300 },
  });
  trained = trainAndWarm(jobId);
  trained.catch(() => undefined); // awaited (and reported) by the tests that need it
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await worker?.stop('SIGTERM');
  await stack?.stop();
});

describe('the new-job form', () => {
  it('checks numbers in the browser, hints the schema’s bounds, says problems in words and points at them', async () => {
    const { page, errors, posts } = await openPage('/jobs/new');
    const batch = schemaRange('batchSize');
    const epochs = schemaRange('epochs');
    expect(await page.textContent('label:has(#field-batchSize)')).toContain(`(${batch.text})`);
    expect(await page.textContent('label:has(#field-epochs)')).toContain(`(${epochs.text})`);

    // `abc` in Batch size: it used to be sent as nothing (the server's default applied).
    await page.fill('#field-batchSize', 'abc');
    await page.click('#submit-job');
    const slot = page.locator('[data-error-for="params.batchSize"]');
    await expect.poll(() => slot.textContent()).toMatch(/^“abc” is not a number/);
    expect(await slot.textContent()).toContain(
      `a whole number from ${batch.min} to ${batch.max.toLocaleString('en-US')}`,
    );
    expect(await page.getAttribute('#field-batchSize', 'aria-invalid')).toBe('true');
    expect(await page.getAttribute('#field-batchSize', 'aria-describedby')).toBe(
      await slot.getAttribute('id'),
    );
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('field-batchSize');
    const alert = page.getByRole('alert').filter({ hasText: 'Please fix' });
    expect(await alert.textContent()).toMatch(/Batch size “abc” is not a number/);
    expect(await alert.getByRole('link').count()).toBe(1);
    await screenshot(page, 'ux-form-not-a-number');
    expect(posts).toEqual([]); // nothing was sent

    // A fraction and a bound: both fields named, the first in the page focused and on screen.
    await page.fill('#field-batchSize', '1.5');
    await page.fill('#field-epochs', String(epochs.max + 1));
    await page.click('#submit-job');
    await expect
      .poll(() => page.textContent('[data-error-for="params.epochs"]'))
      .toContain(`(not ${epochs.max + 1})`);
    expect(await slot.textContent()).toMatch(/^must be a whole number from .* \(not 1\.5\)$/);
    expect(await alert.textContent()).toMatch(/2 problems/);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('field-epochs');
    expect(await page.locator('#field-epochs').isVisible()).toBe(true);
    expect(posts).toEqual([]);
    // The summary's link goes to its field.
    await alert.getByRole('link', { name: /Batch size/ }).click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('field-batchSize');

    // zod's own texts, should the API send one, are said in words.
    // (A string: vitest would rewrite a dynamic import() inside a function.)
    const said = await page.evaluate(`import('/static/form-check.js').then(({ humanMessage }) => [
      humanMessage('Invalid input: expected int, received number'),
      humanMessage('Too big: expected number to be <=1024'),
      humanMessage('Invalid input: expected number, received string'),
      humanMessage('the model needs an estimated 900 MB to train'),
    ])`);
    expect(said).toEqual([
      'must be a whole number',
      'must be at most 1,024',
      'must be a number',
      'the model needs an estimated 900 MB to train',
    ]);

    // Fixed: the job is created with what was typed, and the problems are gone.
    await page.fill('#field-batchSize', '64');
    await page.fill('#field-epochs', '1');
    await page.fill('#field-limit', '100');
    await Promise.all([page.waitForURL(/\/jobs\/train_[0-9a-z]+$/), page.click('#submit-job')]);
    const id = page.url().split('/').pop() ?? '';
    const job = (await (await stack.callApi(`/v1/jobs/${id}`)).json()) as {
      params: { batchSize: number; epochs: number };
    };
    expect(job.params).toMatchObject({ batchSize: 64, epochs: 1 });
    await stack.callApi(`/v1/jobs/${id}`, { method: 'DELETE' });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('layer editor: names the activation the last layer needs, keeps its columns, names its buttons by row', async () => {
    const { page, errors } = await openPage('/jobs/new');
    await page.check('input[name="model-mode"][value="custom"]');
    const lastRow = page.locator('tr.layer-row').last();
    const last = (await page.locator('tr.layer-row').count()) - 1;
    const widths = await columnWidths(page);

    // dense(10, relu) last: the API's message is about the activation, beside the activation.
    await lastRow.locator('select[data-field="activation"]').selectOption('relu');
    await page.click('#submit-job');
    const activationError = page.locator(
      `[data-error-for="params.model.layers.${last}.activation"]`,
    );
    await expect.poll(() => activationError.textContent()).toMatch(/softmax/);
    expect(await activationError.textContent()).toMatch(/it is relu/);
    expect(
      await lastRow.locator('select[data-field="activation"]').getAttribute('aria-invalid'),
    ).toBe('true');
    expect(await columnWidths(page)).toEqual(widths);
    await screenshot(page, 'ux-layer-activation');

    // A row-level error (12 units): on its own line under the row, the columns unchanged.
    await lastRow.locator('select[data-field="activation"]').selectOption('softmax');
    await lastRow.locator('input[data-field="units"]').fill('12');
    await page.click('#submit-job');
    const rowError = page.locator('tr.row-errors:not([hidden])');
    await expect.poll(() => rowError.count()).toBe(1);
    expect(await rowError.textContent()).toMatch(/must end in a dense layer of 10 units/);
    expect(
      await rowError.evaluate(
        (row) => row.previousElementSibling?.querySelector('.index')?.textContent,
      ),
    ).toBe(String(last));
    expect(await columnWidths(page)).toEqual(widths);
    await screenshot(page, 'ux-layer-row-error');

    // Each row's buttons say which row they move or remove.
    const up = page.getByRole('button', { name: 'Move layer 2 (conv2d) up' });
    expect(await up.count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Remove layer 0 (conv2d)' }).count()).toBe(1);
    expect(await page.getByRole('combobox', { name: 'Layer 1 type' }).inputValue()).toBe(
      'maxPooling2d',
    );
    await up.click();
    // Row 2 is now row 1, its buttons renamed, and the focus stays on the button pressed.
    expect(await page.getByRole('button', { name: 'Move layer 1 (conv2d) up' }).count()).toBe(1);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(
      'Move layer 1 (conv2d) up',
    );
    expect(errors).toEqual([]);
    await page.close();
  });

  it('has a skip link to the content, first in the tab order', async () => {
    const { page } = await openPage('/jobs/new');
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => ({
      text: document.activeElement?.textContent,
      top: document.activeElement?.getBoundingClientRect().top ?? -1,
    }));
    expect(focused.text).toBe('Skip to content');
    expect(focused.top).toBeGreaterThanOrEqual(0); // shown when focused
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    await page.close();
  });
});

describe('a trained job’s page (a real worker)', () => {
  let jobId: string;

  beforeAll(async () => {
    jobId = await trained;
  }, TIMEOUT_MS);

  it('greys the last image’s predictions and maps as soon as the test image changes', async () => {
    const { page, errors } = await openPage(`/jobs/${jobId}`);
    await page.waitForFunction(
      () => document.querySelector('#predictions-status')?.textContent?.startsWith('Test image 0'),
      undefined,
      { timeout: TIMEOUT_MS },
    );
    // Every frame from here: the number typed, whether the bars are greyed, what they are for,
    // and which input each feature map on show belongs to.
    await page.evaluate(() => {
      const frames: unknown[] = [];
      (window as unknown as { frames_: unknown[] }).frames_ = frames;
      const record = () => {
        const list = document.querySelector('#predictions');
        frames.push({
          sample: (document.querySelector('#viz-sample') as HTMLInputElement).value,
          stale: list?.classList.contains('stale') === true,
          bars: list?.children.length ?? 0,
          status: document.querySelector('#predictions-status')?.textContent ?? '',
          shown: Array.from(document.querySelectorAll('figure[data-input]'))
            .filter(
              (figure) =>
                !figure.classList.contains('pending') && !figure.classList.contains('stale'),
            )
            .map((figure) => figure.querySelector('img')?.getAttribute('src') ?? ''),
        });
        requestAnimationFrame(record);
      };
      record();
    });
    await page.fill('#viz-sample', '9300');
    await page.waitForFunction(
      () =>
        document.querySelector('#predictions-status')?.textContent?.startsWith('Test image 9300'),
      undefined,
      { timeout: TIMEOUT_MS },
    );
    expect(await visualizationsSettled(page, TIMEOUT_MS)).toEqual([]);
    const frames = (await page.evaluate(
      () => (window as unknown as { frames_: unknown[] }).frames_,
    )) as { sample: string; stale: boolean; bars: number; status: string; shown: string[] }[];
    const changed = frames.filter((frame) => frame.sample === '9300');
    const before = changed.filter((frame) => !frame.status.startsWith('Test image 9300'));
    expect(before.length).toBeGreaterThan(0);
    // Until the new predictions arrived the old bars were greyed (or gone), never shown as current.
    expect(before.filter((frame) => frame.bars > 0 && !frame.stale)).toEqual([]);
    // No feature map of image 0 on show beside the number 9300.
    expect(
      changed.flatMap((frame) => frame.shown).filter((src) => src.includes('sample=0')),
    ).toEqual([]);
    expect(await page.getAttribute('#predictions', 'aria-busy')).toBeNull();
    expect(await page.getByRole('img', { name: 'Input image: test image 9300' }).count()).toBe(1);
    expect(
      await page.getByRole('img', { name: 'Feature maps of conv2d_1 for test image 9300' }).count(),
    ).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('refuses a 64×64 PNG once, beside the file input, before uploading, and offers to resize it', async () => {
    const { page, errors, posts } = await openPage(`/jobs/${jobId}`);
    expect(await visualizationsSettled(page, TIMEOUT_MS)).toEqual([]);
    const big = encodeGrayscalePng(
      Uint8Array.from({ length: 64 * 64 }, (_, index) =>
        index % 64 > 16 && index % 64 < 48 ? 230 : 0,
      ),
      64,
      64,
    );
    // The dashboard refuses it too, for a client that skips the browser's check.
    const refused = await fetch(`${stack.dashboardUrl}/uploads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ image: big.toString('base64') }),
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
      /64×64; it must be 28×28/,
    );

    await page.setInputFiles('#viz-upload', {
      name: 'big.png',
      mimeType: 'image/png',
      buffer: big,
    });
    const problem = page.locator('#viz-error');
    await expect.poll(() => problem.textContent()).toMatch(/big\.png is 64×64 pixels/);
    expect(await page.getByText(/64×64/).count()).toBe(1); // once, not on every figure
    expect(await page.locator('figure.failed').count()).toBe(0);
    expect(posts.filter((path) => path === '/uploads')).toEqual([]);
    expect(await page.getAttribute('#viz-upload', 'aria-describedby')).toBe('viz-error');
    await screenshot(page, 'ux-upload-64');

    await page.getByRole('button', { name: /Resize to 28×28 grayscale/ }).click();
    await page.waitForFunction(
      () => document.querySelector('#predictions-status')?.textContent === 'Uploaded image.',
      undefined,
      { timeout: TIMEOUT_MS },
    );
    expect(posts.filter((path) => path === '/uploads')).toHaveLength(1);
    expect(await visualizationsSettled(page, TIMEOUT_MS)).toEqual([]);
    expect(await page.isHidden('#viz-upload-problem')).toBe(true);
    // The test image's number means nothing while the upload is in use.
    expect(await page.isHidden('#viz-sample-field')).toBe(true);
    expect(await page.getByRole('img', { name: 'Input image: the uploaded image' }).count()).toBe(
      1,
    );
    const input = await page.$eval('figure[data-kind="input"] img', (img) => ({
      src: img.getAttribute('src') ?? '',
    }));
    expect(input.src).toMatch(/upload=[0-9a-f]{64}/);
    await page.getByRole('button', { name: 'Back to the test image' }).click();
    expect(await page.isVisible('#viz-sample-field')).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('names every image and announces progress (accessibility)', async () => {
    const { page } = await openPage(`/jobs/${jobId}`);
    // (An image still being computed is hidden, and out of the accessibility tree.)
    expect(await visualizationsSettled(page, TIMEOUT_MS)).toEqual([]);
    const names = [
      'Weight histogram of conv2d, trained',
      'Weight histogram of conv2d, untrained',
      'Filters of conv2d, trained',
      'Filters of conv2d, untrained',
    ];
    for (const name of names) expect(await page.getByRole('img', { name }).count(), name).toBe(1);
    const alts = await page.$$eval('img', (images) => images.map((img) => img.alt));
    expect(alts.filter((alt) => alt === '')).toEqual([]);
    expect(new Set(alts).size).toBe(alts.length);
    const second = await page.$$eval('#viz-layer option', (options) =>
      options.find((option) => option.textContent?.includes('conv2d_1'))?.getAttribute('value'),
    );
    await page.selectOption('#viz-layer', second ?? '');
    expect(await visualizationsSettled(page, TIMEOUT_MS)).toEqual([]);
    expect(await page.getByRole('img', { name: 'Filters of conv2d_1, untrained' }).count()).toBe(1);
    // Progress is announced as it changes, politely.
    expect(await page.getAttribute('#progress-text', 'aria-live')).toBe('polite');
    expect(await page.getAttribute('#progress-text', 'role')).toBe('status');
    const snapshot = await page.locator('main').ariaSnapshot();
    expect(snapshot).toContain('img "Filters of conv2d_1, trained"');
    await page.close();
  });

  it('fits a phone: the list as cards, every epoch column, legible images (screenshots)', async () => {
    const phone = { width: 390, height: 844 };
    const pageOverflow = (page: Page) =>
      page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
    const { page, errors } = await openPage('/', phone);
    const row = `tr[data-id="${jobId}"]`;
    await page.waitForSelector(row);
    // Every cell of the run's card is on screen, under its column's name.
    const cells = await page.$$eval(`${row} td`, (tds) =>
      tds
        .filter((td) => getComputedStyle(td).display !== 'none')
        .map((td) => {
          const box = td.getBoundingClientRect();
          return { label: td.dataset.label ?? td.className, left: box.left, right: box.right };
        }),
    );
    expect(cells.map((cell) => cell.label)).toEqual(
      expect.arrayContaining(['State', 'Progress', 'Best val acc', 'Duration', 'Created (UTC)']),
    );
    for (const cell of cells) {
      expect(cell.left, cell.label).toBeGreaterThanOrEqual(0);
      expect(cell.right, cell.label).toBeLessThanOrEqual(phone.width);
    }
    expect(
      await page.$eval('section.table-wrap', (wrap) => wrap.scrollWidth - wrap.clientWidth),
    ).toBeLessThanOrEqual(0);
    expect(await pageOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'ux-phone-list');

    await page.goto(`${stack.dashboardUrl}/jobs/${jobId}`);
    expect(await visualizationsSettled(page, TIMEOUT_MS)).toEqual([]);
    // The epoch table: val_accuracy on screen, without scrolling.
    const history = await page.$eval('#history table', (table) => {
      const header = Array.from(table.querySelectorAll('th')).find(
        (th) => th.textContent?.trim() === 'val_accuracy',
      );
      const wrap = table.closest('.table-wrap');
      return {
        right: header?.getBoundingClientRect().right ?? Infinity,
        scrolls: (wrap?.scrollWidth ?? 0) > (wrap?.clientWidth ?? 0),
      };
    });
    expect(history.right).toBeLessThanOrEqual(phone.width);
    expect(history.scrolls).toBe(false);
    // Trained and untrained each say which they are.
    const captions = await page.$$eval('.versus figcaption', (figcaptions) =>
      figcaptions.map((caption) => caption.textContent?.trim() ?? ''),
    );
    expect(captions).toEqual(['Trained', 'Untrained', 'Trained', 'Untrained']);
    // No chart or grid shrunk below three quarters of its size: its 12 px text stays legible.
    const scales = await page.$$eval('figure.viz img, figure.curve img', (images) =>
      (images as HTMLImageElement[])
        .filter((img) => img.naturalWidth > 0 && img.getBoundingClientRect().width > 0)
        .map((img) => ({
          src: img.getAttribute('src') ?? '',
          scale: img.getBoundingClientRect().width / img.naturalWidth,
        })),
    );
    expect(scales.length).toBeGreaterThanOrEqual(8);
    expect(scales.filter((image) => image.scale < 0.74)).toEqual([]);
    expect(await pageOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'ux-phone-job');

    await page.goto(`${stack.dashboardUrl}/jobs/new`);
    expect(await pageOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'ux-phone-form');
    await page.goto(`${stack.dashboardUrl}/compare?ids=${jobId}`);
    expect(await pageOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'ux-phone-compare');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('draws the architecture with Keras’ shapes: (None, 28, 28, 1)', async () => {
    const { page } = await openPage(`/jobs/${jobId}`);
    const diagram = page.getByRole('img', { name: /^Architecture diagram: / });
    expect(await diagram.getAttribute('alt')).toMatch(
      /^Architecture diagram: conv2d_input \(None, 28, 28, 1\) → conv2d Conv2D \(None, 28, 28, 8\) → /,
    );
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('#architecture');
      return img !== null && img.complete && img.naturalWidth > 0;
    });
    const summary = modelSummarySchema.parse(
      await (await stack.callApi(`/v1/jobs/${jobId}/artifacts/summary.json`)).json(),
    );
    const served = Buffer.from(
      await (await fetch(`${stack.dashboardUrl}/jobs/${jobId}/architecture.png`)).arrayBuffer(),
    );
    expect(served.equals(renderArchitecture(summary).data)).toBe(true);
    expect(served.equals(renderArchitecture(summary, { inputShape: [28, 28, 1] }).data)).toBe(
      false,
    );
    await page.close();
  });
});
