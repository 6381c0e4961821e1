import type { ArtifactInfo } from '@convoy/storage';
import {
  isTerminalState,
  type JobView,
  type ModelSummary,
  type TrainingParams,
} from '@convoy/schemas';
import { html, type SafeHtml } from '../html.js';
import {
  bestAccuracy,
  describeModel,
  describeProgress,
  durationOf,
  formatDuration,
  formatPercent,
  formatTime,
  shortId,
  trainingParamsOf,
  trainingResultOf,
} from '../job-format.js';
import { progressBar, stateBadge } from './job-list-page.js';
import { renderPage } from './layout.js';
import { renderRunActions, renderRunPanel } from './run-panel.js';

/** What the job page shows besides the job itself (read from the job's artifacts). */
export interface JobPageArtifacts {
  readonly summary: ModelSummary | undefined;
  /** Files of the best model (`model/…`). */
  readonly modelFiles: readonly ArtifactInfo[];
  readonly hasTrainedModel: boolean;
}

export const JOB_FRAGMENTS = ['facts', 'history', 'model', 'visualizations'] as const;
export type JobFragment = (typeof JOB_FRAGMENTS)[number];

/** A conv layer as the layer selectors list it: its index in the model and its summary row. */
export interface ConvLayer {
  readonly index: number;
  readonly name: string;
  readonly outputShape: readonly (number | null)[];
}

export function convLayersOf(summary: ModelSummary | undefined): ConvLayer[] {
  return (summary?.layers ?? []).flatMap((layer, index) =>
    layer.className === 'Conv2D'
      ? [{ index, name: layer.name, outputShape: layer.outputShape }]
      : [],
  );
}

const shape = (dims: readonly (number | null)[]) =>
  `(${dims.map((dim) => (dim === null ? 'None' : String(dim))).join(', ')})`;
const count = (value: number) => value.toLocaleString('en-US');

function fact(label: string, value: unknown): SafeHtml {
  return html`<div>
    <dt>${label}</dt>
    <dd>${value}</dd>
  </div>`;
}

function earlyStoppingText(params: TrainingParams | undefined): string {
  if (params === undefined) return '—';
  if (params.earlyStopping === false) return 'off';
  return `patience ${params.earlyStopping.patience} on ${params.earlyStopping.monitor}`;
}

export function renderFacts(view: JobView, now: number): SafeHtml {
  const params = trainingParamsOf(view);
  const result = trainingResultOf(view);
  const best = bestAccuracy(view.history);
  if (view.type !== 'train') {
    return html`<dl class="facts">
      ${fact('Created', formatTime(view.createdAt))}
      ${fact('Finished', formatTime(view.finishedAt))}
      ${fact('Duration', formatDuration(durationOf(view, now)))} ${fact('Attempts', view.attempts)}
    </dl>`;
  }
  return html`<dl class="facts">
    ${fact('Model', describeModel(params))}
    ${fact('Backend', view.backend === null ? '—' : `${view.backend} · ${view.device ?? '?'}`)}
    ${fact('Epochs', params === undefined ? '—' : `${view.history.length} of ${params.epochs}`)}
    ${fact('Batch size', params?.batchSize ?? '—')}
    ${fact('Validation split', params?.validationSplit ?? '—')}
    ${fact('Data limit', params?.dataset.limit?.toLocaleString('en-US') ?? 'all 60,000')}
    ${fact('Early stopping', earlyStoppingText(params))}
    ${fact(
      'Best val accuracy',
      best === undefined ? '—' : `${formatPercent(best.value)} (epoch ${best.epoch})`,
    )}
    ${
      result === undefined
        ? ''
        : fact(
            'Data',
            `${count(result.trainImages)} train · ${count(result.validationImages)} validation`,
          )
    }
    ${result === undefined ? '' : fact('Speed', `${Math.round(result.imagesPerSecond)} images/s`)}
    ${result?.stoppedEarly ? fact('Stopped early', `best epoch ${result.bestEpoch ?? '?'}`) : ''}
    ${fact('Created (UTC)', formatTime(view.createdAt))}
    ${fact('Started', formatTime(view.startedAt))} ${fact('Finished', formatTime(view.finishedAt))}
    ${fact('Duration', formatDuration(durationOf(view, now)))} ${fact('Attempts', view.attempts)}
  </dl>`;
}

export function renderHistory(view: JobView): SafeHtml {
  if (view.history.length === 0) return html`<p class="empty">No finished epoch yet.</p>`;
  const number = (value: number | undefined) => (value === undefined ? '—' : value.toFixed(4));
  return html`<div class="table-wrap">
    <table>
      <thead>
        <tr>
          <th class="num">Epoch</th>
          <th class="num">loss</th>
          <th class="num">accuracy</th>
          <th class="num">val_loss</th>
          <th class="num">val_accuracy</th>
          <th class="num">seconds</th>
        </tr>
      </thead>
      <tbody>
        ${view.history.map(
          (record) =>
            html`<tr>
              <td class="num">${record.epoch}</td>
              <td class="num">${number(record.loss)}</td>
              <td class="num">${number(record.accuracy)}</td>
              <td class="num">${number(record.val_loss)}</td>
              <td class="num">${number(record.val_accuracy)}</td>
              <td class="num">${record.seconds.toFixed(1)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

/** Why there is no model summary yet: a job that ended before a worker started it never gets one. */
function modelPlaceholder(view: JobView): string {
  if (isTerminalState(view.state))
    return view.startedAt === null
      ? `No model summary: the job was ${view.state} before a worker started it.`
      : `No model summary: the job was ${view.state} before its model was built.`;
  return 'The model summary appears when a worker starts the job.';
}

/** The Keras-style summary, the architecture diagram and the model's download links. */
export function renderModel(view: JobView, artifacts: JobPageArtifacts): SafeHtml {
  const { summary } = artifacts;
  if (summary === undefined) {
    return html`<p class="empty">${modelPlaceholder(view)}</p>`;
  }
  return html`<div class="grid">
    <div>
      <h3>Model: "${summary.modelName}"</h3>
      <div class="table-wrap">
        <table class="summary" id="summary-table">
          <thead>
            <tr>
              <th>Layer (type)</th>
              <th>Output shape</th>
              <th class="num">Param #</th>
            </tr>
          </thead>
          <tbody>
            ${summary.layers.map(
              (layer) =>
                html`<tr>
                  <td><code>${layer.name}</code> (${layer.className})</td>
                  <td><code>${shape(layer.outputShape)}</code></td>
                  <td class="num">${count(layer.params)}</td>
                </tr>`,
            )}
          </tbody>
          <tfoot>
            <tr>
              <td colspan="2">Total params</td>
              <td class="num">${count(summary.totalParams)}</td>
            </tr>
            <tr>
              <td colspan="2" class="muted">Trainable / non-trainable</td>
              <td class="num muted">
                ${count(summary.trainableParams)} / ${count(summary.nonTrainableParams)}
              </td>
            </tr>
          </tfoot>
        </table>
      </div>
      ${renderDownloads(view, artifacts)}
    </div>
    <figure>
      <img
        src="/jobs/${view.id}/architecture.png"
        alt="architecture diagram of ${view.id}"
        id="architecture"
      />
      <figcaption>Architecture (plot_model, show_shapes)</figcaption>
    </figure>
  </div>`;
}

function renderDownloads(view: JobView, artifacts: JobPageArtifacts): SafeHtml {
  if (!artifacts.hasTrainedModel) return html``;
  return html`<h3>Download the best model</h3>
    <ul class="downloads" id="downloads">
      ${artifacts.modelFiles.map(
        (file) =>
          html`<li>
            <a href="/api/jobs/${view.id}/artifacts/${file.path}" download
              ><code>${file.path}</code></a
            >
            <span class="small muted">${count(file.size)} bytes</span>
          </li>`,
      )}
      <li>
        <a href="/api/jobs/${view.id}/artifacts/summary.json" download><code>summary.json</code></a>
        ·
        <a href="/api/jobs/${view.id}/artifacts/history.json" download><code>history.json</code></a>
      </li>
    </ul>
    <p class="small muted">
      TensorFlow.js layers format: <code>tf.loadLayersModel('…/model/model.json')</code>.
    </p>`;
}

/**
 * The visualization panel: controls (conv layer, test image or upload) and the figures the
 * browser fills in (job.ts computes each URL from the figure's data attributes and the controls).
 */
export function renderVisualizations(view: JobView, artifacts: JobPageArtifacts): SafeHtml {
  const layers = convLayersOf(artifacts.summary);
  if (!artifacts.hasTrainedModel || layers.length === 0) {
    return html`<p class="empty">
      ${
        layers.length === 0 && artifacts.summary !== undefined
          ? 'This model has no conv layers to look inside.'
          : 'Filters, feature maps and predictions appear once the job has a trained model.'
      }
    </p>`;
  }
  const figure = (kind: string, caption: string, attributes: SafeHtml = html``) =>
    html`<figure class="viz" data-kind="${kind}" ${attributes}>
      <a class="zoom" target="_blank" rel="noopener"><img alt="${caption}" /></a>
      <figcaption>${caption}</figcaption>
    </figure>`;
  return html`<form class="controls" id="viz-controls">
      <label
        >Conv layer
        <select name="layer" id="viz-layer">
          ${layers.map(
            (layer) =>
              html`<option value="${layer.index}">
                ${layer.index}: ${layer.name} ${shape(layer.outputShape)}
              </option>`,
          )}
        </select>
      </label>
      <label
        >Test image (0–9999)
        <input name="sample" id="viz-sample" type="number" min="0" max="9999" value="0" />
      </label>
      <label
        >or a 28×28 PNG
        <input name="upload" id="viz-upload" type="file" accept="image/png" />
      </label>
      <button type="button" id="viz-clear-upload" hidden>Back to the test image</button>
      <span class="field-error" id="viz-error"></span>
    </form>
    <h3>Weights of the selected layer: trained vs untrained</h3>
    <div class="pair">
      ${figure('weights-histogram', 'Trained', html`data-weights="trained" data-layered`)}
      ${figure('weights-histogram', 'Untrained', html`data-weights="untrained" data-layered`)}
    </div>
    <h3>Filters of the selected layer: trained vs untrained</h3>
    <div class="pair">
      ${figure('filters', 'Trained', html`data-weights="trained" data-layered`)}
      ${figure('filters', 'Untrained', html`data-weights="untrained" data-layered`)}
    </div>
    <h3>Input image and the model's predictions</h3>
    <div class="input-row">
      ${figure('input', 'Input image', html`data-input`)}
      <div>
        <ol class="bars" id="predictions" data-input></ol>
        <p class="small muted" id="predictions-status"></p>
      </div>
    </div>
    <h3>Feature maps of every conv layer</h3>
    <div class="pair">
      ${layers.map((layer) =>
        figure(
          'feature-maps',
          `${layer.name} ${shape(layer.outputShape)}`,
          html`data-layer="${layer.index}" data-input`,
        ),
      )}
    </div>
    <h3>Confusion matrix and accuracy per class (10,000 test images)</h3>
    <div class="pair">
      ${figure('confusion-matrix', 'Rows: true class · columns: predicted')}
      <div class="table-wrap" id="per-class"></div>
    </div>`;
}

export function renderFragment(
  name: JobFragment,
  view: JobView,
  artifacts: JobPageArtifacts,
  now: number,
): SafeHtml {
  switch (name) {
    case 'facts':
      return renderFacts(view, now);
    case 'history':
      return renderHistory(view);
    case 'model':
      return renderModel(view, artifacts);
    case 'visualizations':
      return renderVisualizations(view, artifacts);
  }
}

function curveFigure(view: JobView, metric: 'loss' | 'accuracy'): SafeHtml {
  const src = `/jobs/${view.id}/curves.png?metric=${metric}&epochs=${view.history.length}`;
  return html`<figure
    class="curve"
    data-metric="${metric}"
    ${view.history.length === 0 ? 'hidden' : ''}
  >
    <img
      id="curves-${metric}"
      alt="${metric} per epoch"
      ${view.history.length === 0 ? '' : html`src="${src}"`}
    />
    <figcaption>
      ${metric === 'loss' ? 'loss and val_loss' : 'accuracy and val_accuracy'}
    </figcaption>
  </figure>`;
}

export function renderJobPage(view: JobView, artifacts: JobPageArtifacts): string {
  const now = Date.now();
  const cancellable = !isTerminalState(view.state);
  const title = view.type === 'train' ? 'Training job' : 'Visualization job';
  const data = {
    id: view.id,
    type: view.type,
    state: view.state,
    epochs: view.history.length,
    hasVisualizations: artifacts.hasTrainedModel && convLayersOf(artifacts.summary).length > 0,
  };
  const section = (name: JobFragment, heading: string, content: SafeHtml) =>
    html`<section class="card" id="${name}" data-fragment="${name}">
      <h2>${heading}</h2>
      <div class="fragment-body">${content}</div>
    </section>`;
  const trainBody =
    view.type === 'train'
      ? html`<section class="card">
            <h2>Learning curves</h2>
            <p class="empty" id="curves-empty" ${view.history.length > 0 ? 'hidden' : ''}>
              The curves appear after the first epoch.
            </p>
            <div class="pair">${curveFigure(view, 'loss')} ${curveFigure(view, 'accuracy')}</div>
          </section>
          ${section('history', 'Epochs', renderHistory(view))}
          ${section('model', 'Model', renderModel(view, artifacts))}
          ${section('visualizations', 'Inside the model', renderVisualizations(view, artifacts))}`
      : renderVisualizationJob(view);
  return renderPage(
    { title: `${title} ${shortId(view.id)}`, section: 'jobs', script: 'job', data },
    html`<div class="page-head">
        <h1>${title} <code>${view.id}</code></h1>
        ${stateBadge(view.state, 'job-state')}
        <span class="spacer"></span>
        <button type="button" class="danger" id="cancel-job" ${cancellable ? '' : 'hidden'}>
          Cancel
        </button>
        ${renderRunActions(view)}
      </div>
      <section class="card">
        ${progressBar(view, 'job-progress', 'big-progress')}
        <p class="small muted" id="progress-text">
          ${view.type === 'train' ? describeProgress(view) : view.state}
        </p>
        <p class="form-errors" id="job-error">${view.error?.message ?? ''}</p>
      </section>
      ${renderRunPanel(view)} ${section('facts', 'Details', renderFacts(view, now))} ${trainBody}`,
  );
}

function renderVisualizationJob(view: JobView): SafeHtml {
  const params = (view.params ?? {}) as { jobId?: string };
  return html`<section class="card">
    <h2>Request</h2>
    ${
      params.jobId
        ? html`<p>
            Of training job <a href="/jobs/${params.jobId}" class="mono">${params.jobId}</a>
          </p>`
        : ''
    }
    <pre class="mono small">${JSON.stringify(view.params, null, 2)}</pre>
    ${
      view.result === null
        ? ''
        : html`<h2>Result</h2>
            <pre class="mono small">
${JSON.stringify({ ...(view.result as object), manifest: '…' }, null, 2)}</pre>`
    }
  </section>`;
}
