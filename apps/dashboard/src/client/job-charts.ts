import { $, element, pageData } from './dom.js';
import {
  bindControls,
  InteractiveChart,
  PALETTE,
  readSettings,
  type LineSeries,
} from './chart-kit.js';
import { fetchMetrics, runSeries, type Metric, type RunMetrics } from './run-series.js';
import { fetchVisualization } from './visual.js';

/**
 * The job page's interactive parts beside the server-rendered images: learning curves (per epoch
 * and per batch, hover values, zoom, smoothing, log scale), the weight distributions across
 * epochs, the grid of misclassified test images and the test-image pickers.
 */

interface PageData {
  id: string;
  type: 'train' | 'visualize';
}
const data = pageData<PageData>();
const base = `/jobs/${data.id}`;

// ---- Learning curves ----

const curvesPanel = document.querySelector<HTMLElement>('#curves-panel');
const curveCharts = new Map<Metric, InteractiveChart>();
let metrics: RunMetrics | undefined;

function drawCurves(): void {
  if (curvesPanel === null || metrics === undefined || metrics.history.length === 0) return;
  curvesPanel.hidden = false;
  const settings = readSettings(curvesPanel);
  const batches =
    curvesPanel.querySelector<HTMLInputElement>('[data-chart-batches]')?.checked ?? true;
  for (const metric of ['loss', 'accuracy'] as const) {
    const target = $(`#chart-${metric}`);
    let chart = curveCharts.get(metric);
    if (chart === undefined) {
      chart = new InteractiveChart(target, { xLabel: 'epoch', yLabel: metric });
      curveCharts.set(metric, chart);
    }
    chart.update(runSeries(metrics, metric, { color: PALETTE[0] ?? '#1f77b4', batches }), settings);
  }
  const note = curvesPanel.querySelector('#curves-note');
  if (note)
    note.textContent =
      metrics.scalars === null
        ? 'Per-epoch values only: this job recorded no per-batch scalars.'
        : `Per-batch points every ${metrics.scalars.every} batches (${metrics.scalars.batchesPerEpoch} batches an epoch).`;
}

async function loadCurves(): Promise<void> {
  if (curvesPanel === null) return;
  const answer = await fetchMetrics(data.id);
  if (answer === undefined) return;
  metrics = answer;
  drawCurves();
}

if (curvesPanel !== null) {
  bindControls(curvesPanel, () => [...curveCharts.values()], drawCurves);
  // job.ts points the PNG at a new URL after every epoch: the charts follow it.
  const png = document.querySelector('#curves-loss');
  if (png !== null)
    new MutationObserver(() => void loadCurves()).observe(png, {
      attributes: true,
      attributeFilter: ['src'],
    });
  void loadCurves();
}

// ---- Weight distributions across epochs ----

interface Distributions {
  quantiles: number[];
  weights: { layerIndex: number; layer: string; className: string; weight: string; size: number }[];
  epochs: { epoch: number; values: number[][]; mean: number[] }[];
}

const distributionSection = document.querySelector<HTMLElement>('#distributions-panel');
let distributionChart: InteractiveChart | undefined;
let distributions: Distributions | undefined;

function drawDistributions(): void {
  if (distributionSection === null || distributions === undefined) return;
  const select = $<HTMLSelectElement>('#distribution-weight', distributionSection);
  const chosen = Number(select.value) || 0;
  const { quantiles, epochs } = distributions;
  const color = PALETTE[0] ?? '#1f77b4';
  const series: LineSeries[] = quantiles.map((quantile, q) => ({
    label: quantile === 0 ? 'min' : quantile === 1 ? 'max' : `${(quantile * 100).toFixed(1)}%`,
    points: epochs.map((entry) => [entry.epoch, entry.values[chosen]?.[q] ?? 0] as const),
    color,
    width: quantile === 0.5 ? 2 : 1,
    faint: quantile !== 0.5,
  }));
  // Bands between mirrored quantiles, darker towards the median (TensorBoard's distributions).
  const count = quantiles.length;
  const bands = Array.from({ length: Math.floor(count / 2) }, (_, pair) => ({
    series: [count - pair, pair + 1] as [number, number],
    fill: `rgba(31, 119, 180, ${0.12 + pair * 0.08})`,
  }));
  distributionChart?.element.replaceChildren();
  distributionChart = new InteractiveChart($('#distribution-chart', distributionSection), {
    xLabel: 'epoch',
    yLabel: 'weight',
    bands,
  });
  distributionChart.update(series, { smoothing: 0, logScale: false });
  const weight = distributions.weights[chosen];
  const caption = distributionSection.querySelector('#distribution-caption');
  if (caption && weight)
    caption.textContent = `${weight.layer} ${weight.weight} (${weight.className}, ${weight.size.toLocaleString('en-US')} values): min, 6.7%, 15.9%, 30.9%, median, 69.1%, 84.1%, 93.3%, max per epoch; epoch 0 is the untrained model.`;
}

async function loadDistributions(): Promise<void> {
  if (distributionSection === null) return;
  const response = await fetch(`${base}/distributions.json`);
  const status = distributionSection.querySelector('#distribution-status');
  if (!response.ok) {
    if (status) status.textContent = 'No weight distributions were recorded for this job.';
    return;
  }
  distributions = ((await response.json()) as { distributions: Distributions }).distributions;
  if (status) status.textContent = '';
  const select = $<HTMLSelectElement>('#distribution-weight', distributionSection);
  const previous = select.value;
  select.replaceChildren(
    ...distributions.weights.map((weight, index) =>
      element(
        'option',
        { value: String(index) },
        `${weight.layer} ${weight.weight} (${weight.className})`,
      ),
    ),
  );
  if (previous !== '' && Number(previous) < distributions.weights.length) select.value = previous;
  drawDistributions();
}

if (distributionSection !== null) {
  distributionSection.addEventListener('change', (event) => {
    if ((event.target as HTMLElement).matches('#distribution-weight')) drawDistributions();
  });
  const png = document.querySelector('#curves-loss');
  if (png !== null)
    new MutationObserver(() => void loadDistributions()).observe(png, {
      attributes: true,
      attributeFilter: ['src'],
    });
  void loadDistributions();
}

// ---- Test-image pickers (delegated: the controls are re-rendered with their fragment) ----

/** Sets the page's test image as if typed (job.ts follows the field's input event). */
function chooseSample(sample: number): void {
  const input = document.querySelector<HTMLInputElement>('#viz-sample');
  if (input === null) return;
  input.value = String(sample);
  input.dispatchEvent(new Event('input', { bubbles: true }));
}

async function pick(which: 'any' | 'misclassified'): Promise<void> {
  const status = document.querySelector('#pick-status');
  const classValue = document.querySelector<HTMLSelectElement>('#pick-class')?.value ?? '';
  if (which === 'any' && classValue === '') {
    chooseSample(Math.floor(Math.random() * 10_000));
    if (status) status.textContent = '';
    return;
  }
  if (status) status.textContent = 'finding one…';
  const query = new URLSearchParams({ which, ...(classValue === '' ? {} : { class: classValue }) });
  try {
    const target = status ?? document.body;
    const answer = await fetchVisualization<{ sample: number; candidates: number }>(
      target,
      `${base}/pick.json?${query}`,
    );
    if (answer === undefined) return;
    chooseSample(answer.sample);
    if (status)
      status.textContent = `test image ${answer.sample} (one of ${answer.candidates.toLocaleString('en-US')})`;
  } catch (error) {
    if (status) status.textContent = error instanceof Error ? error.message : 'failed';
  }
}

document.addEventListener('click', (event) => {
  const button = (event.target as HTMLElement).closest<HTMLElement>('[data-pick]');
  if (button !== null) void pick(button.dataset.pick === 'misclassified' ? 'misclassified' : 'any');
});

// ---- Misclassified test images ----

interface Mistake {
  sample: number;
  label: number;
  labelName: string;
  predicted: number;
  predictedName: string;
  confidence: number;
  trueProbability: number;
}
interface MisclassifiedManifest {
  misclassified: {
    images: number;
    errors: number;
    perClass: number;
    perClassErrors: number[];
    classNames: string[];
    items: Mistake[];
  };
}

const mistakesSection = document.querySelector<HTMLElement>('#misclassified-panel');
let mistakes: MisclassifiedManifest['misclassified'] | undefined;

function drawMistakes(): void {
  if (mistakesSection === null || mistakes === undefined) return;
  const grid = $('#mistakes', mistakesSection);
  const classValue = $<HTMLSelectElement>('#mistakes-class', mistakesSection).value;
  const shown = mistakes.items
    .map((item, index) => ({ item, index }))
    .filter(({ item }) => classValue === '' || item.label === Number(classValue))
    .sort((a, b) => b.item.confidence - a.item.confidence);
  grid.replaceChildren(
    ...shown.map(({ item, index }) =>
      element(
        'button',
        {
          type: 'button',
          class: 'mistake',
          'data-sample': String(item.sample),
          'data-label': String(item.label),
          'data-predicted': String(item.predicted),
          title: `Test image ${item.sample}: show it in "Inside the model"`,
        },
        element('img', {
          src: `${base}/visualizations/misclassified.png?item=${index}`,
          alt: `test image ${item.sample}: a ${item.labelName} predicted as ${item.predictedName}`,
          width: '100',
          height: '100',
        }),
        element('span', { class: 'truth' }, `true: ${item.labelName}`),
        element(
          'span',
          { class: 'guess' },
          `predicted: ${item.predictedName} ${(item.confidence * 100).toFixed(1)}%`,
        ),
        element('span', { class: 'muted' }, `#${item.sample}`),
      ),
    ),
  );
  const summary = $('#mistakes-summary', mistakesSection);
  const errors =
    classValue === '' ? mistakes.errors : (mistakes.perClassErrors[Number(classValue)] ?? 0);
  summary.textContent = `${errors.toLocaleString('en-US')} of ${mistakes.images.toLocaleString('en-US')} test images misclassified${classValue === '' ? '' : ` in class ${mistakes.classNames[Number(classValue)]}`}; the ${mistakes.perClass} most confident mistakes of each class are shown, most confident first.`;
}

async function loadMistakes(): Promise<void> {
  if (mistakesSection === null) return;
  const summary = $('#mistakes-summary', mistakesSection);
  summary.textContent = 'computing (the model classifies every test image)…';
  try {
    const answer = await fetchVisualization<{ manifest: MisclassifiedManifest }>(
      summary,
      `${base}/visualizations/misclassified.json`,
    );
    if (answer === undefined) return;
    mistakes = answer.manifest.misclassified;
    drawMistakes();
  } catch (error) {
    summary.textContent = error instanceof Error ? error.message : 'failed';
  }
}

if (mistakesSection !== null) {
  mistakesSection.addEventListener('change', (event) => {
    if ((event.target as HTMLElement).matches('#mistakes-class')) drawMistakes();
  });
  mistakesSection.addEventListener('click', (event) => {
    const item = (event.target as HTMLElement).closest<HTMLElement>('.mistake');
    if (item === null) return;
    chooseSample(Number(item.dataset.sample));
    document.querySelector('#visualizations')?.scrollIntoView({ behavior: 'smooth' });
  });
  // Classifying all 10,000 test images is a worker's job of seconds: only for a reader who scrolls
  // here (or asks a picker), not for every view of the page.
  const seen = new IntersectionObserver((entries) => {
    if (!entries.some((entry) => entry.isIntersecting)) return;
    seen.disconnect();
    void loadMistakes();
  });
  seen.observe(mistakesSection);
}
