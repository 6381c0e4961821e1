import { $all, element, pageData } from './dom.js';
import { bindControls, InteractiveChart, PALETTE, readSettings } from './chart-kit.js';
import { fetchMetrics, runSeries, type Metric, type RunMetrics } from './run-series.js';
import { fetchVisualization, showImage } from './visual.js';

/**
 * The compare page's interactive parts: every run's curves on one chart per metric, and each
 * run's confusion matrix and predictions for the same test image, side by side.
 */

const { ids, labels = [] } = pageData<{ ids: string[]; labels?: string[] }>();
const panel = document.querySelector<HTMLElement>('#compare-panel');
const charts = new Map<Metric, InteractiveChart>();
const runs = new Map<string, RunMetrics>();

// Colours come from data attributes: the CSP forbids inline style attributes, not the CSSOM.
for (const swatch of $all('[data-swatch]')) swatch.style.background = swatch.dataset.swatch ?? '';

function draw(): void {
  if (panel === null) return;
  const settings = readSettings(panel);
  const batches = panel.querySelector<HTMLInputElement>('[data-chart-batches]')?.checked ?? true;
  for (const metric of ['loss', 'accuracy'] as const) {
    const target = document.querySelector<HTMLElement>(`#compare-chart-${metric}`);
    if (target === null) continue;
    let chart = charts.get(metric);
    if (chart === undefined) {
      chart = new InteractiveChart(target, { xLabel: 'epoch', yLabel: metric });
      charts.set(metric, chart);
    }
    const series = ids.flatMap((id, index) => {
      const metrics = runs.get(id);
      if (metrics === undefined) return [];
      return runSeries(metrics, metric, {
        color: PALETTE[index % PALETTE.length] ?? '#1f77b4',
        prefix: `${labels[index] ?? id.slice(-4)}: `,
        batches,
        raw: false,
      });
    });
    chart.update(series, settings);
  }
}

if (panel !== null) {
  bindControls(panel, () => [...charts.values()], draw);
  void Promise.all(
    ids.map(async (id) => {
      const metrics = await fetchMetrics(id);
      if (metrics !== undefined) runs.set(id, metrics);
    }),
  ).then(draw);
}

// ---- Confusion matrices and predictions ----

interface Prediction {
  className: string;
  probability: number;
}

async function showPredictions(id: string, sample: number): Promise<void> {
  const list = document.querySelector<HTMLElement>(`.compare-predictions[data-job="${id}"]`);
  const status = document.querySelector<HTMLElement>(
    `.compare-predictions-status[data-job="${id}"]`,
  );
  if (list === null || status === null) return;
  list.classList.add('stale');
  status.textContent = 'computing…';
  try {
    const answer = await fetchVisualization<{
      manifest: { predictions?: Prediction[]; input?: { className?: string } };
    }>(list, `/jobs/${id}/visualizations/predictions.json?sample=${sample}`);
    if (answer === undefined) return;
    const predictions = (answer.manifest.predictions ?? []).slice(0, 3);
    list.replaceChildren(
      ...predictions.map((prediction, index) =>
        element(
          'li',
          { class: index === 0 ? 'best' : undefined },
          element('span', {}, prediction.className),
          element('progress', { max: '1', value: String(prediction.probability) }),
          element('span', { class: 'value' }, `${(prediction.probability * 100).toFixed(1)}%`),
        ),
      ),
    );
    list.classList.remove('stale');
    status.textContent = `Test image ${sample}, true class ${answer.manifest.input?.className ?? '?'}.`;
  } catch (error) {
    list.replaceChildren();
    status.textContent = error instanceof Error ? error.message : 'failed';
  }
}

const sampleInput = document.querySelector<HTMLInputElement>('#compare-sample');
const sample = () => Number(sampleInput?.value) || 0;

for (const figure of $all('#side-by-side figure.viz')) {
  void showImage(figure, `/jobs/${figure.dataset.job}/visualizations/confusion-matrix.png`);
}
const refreshPredictions = () => {
  for (const id of ids) void showPredictions(id, sample());
};
let typing: ReturnType<typeof setTimeout> | undefined;
sampleInput?.addEventListener('input', () => {
  clearTimeout(typing);
  typing = setTimeout(refreshPredictions, 350);
});
refreshPredictions();
