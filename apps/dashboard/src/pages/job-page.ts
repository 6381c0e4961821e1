import type { ArtifactInfo } from '@convoy/storage';
import {
  IMAGE_SIZE,
  INPUT_SHAPE,
  isTerminalState,
  type JobView,
  type ModelCheckpoint,
  type ModelSummary,
  type TrainingParams,
} from '@convoy/schemas';
import { html, type SafeHtml } from '../html.js';
import {
  bestAccuracy,
  describeBest,
  describeModel,
  describeProgress,
  durationOf,
  formatDuration,
  formatTime,
  shortId,
  trainingParamsOf,
  trainingResultOf,
} from '../job-format.js';
import { renderCurvesCard, renderImagePicker, renderInspectionCards } from './chart-sections.js';
import { progressBar, stateBadge } from './job-list-page.js';
import { renderPage } from './layout.js';
import { renderRunActions, renderRunPanel } from './run-panel.js';

/** What the job page shows besides the job itself (read from the job's artifacts). */
export interface JobPageArtifacts {
  readonly summary: ModelSummary | undefined;
  /** Files of the best model (`model/…`). */
  readonly modelFiles: readonly ArtifactInfo[];
  readonly hasTrainedModel: boolean;
  /** The epoch the best model's weights are (model.json says it), and that save's version. */
  readonly checkpoint?: { readonly info: ModelCheckpoint; readonly version: string } | undefined;
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
  const best = bestAccuracy(view);
  if (view.type !== 'train') {
    return html`<dl class="facts">
      ${fact('Created', formatTime(view.createdAt))}
      ${fact('Finished', formatTime(view.finishedAt))} ${durationFact(view, now)}
      ${fact('Attempts', view.attempts)}
    </dl>`;
  }
  return html`<dl class="facts">
    ${fact('Model', describeModel(params))}
    <div>
      <dt>Backend</dt>
      <dd id="fact-backend">${backendText(view)}</dd>
    </div>
    ${fact('Epochs', params === undefined ? '—' : `${view.history.length} of ${params.epochs}`)}
    ${fact('Batch size', params?.batchSize ?? '—')}
    ${fact('Validation split', params?.validationSplit ?? '—')}
    ${fact('Data limit', params?.dataset.limit?.toLocaleString('en-US') ?? 'all 60,000')}
    ${fact('Early stopping', earlyStoppingText(params))}
    <div>
      <dt>Best val accuracy</dt>
      <dd
        id="fact-best"
        data-epoch="${best?.epoch ?? ''}"
        title="the checkpointed epoch: the weights of model/"
      >
        ${describeBest(best)}${bestMonitorValue(view, best)}
      </dd>
    </div>
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
    ${durationFact(view, now)} ${fact('Attempts', view.attempts)}
  </dl>`;
}

/** Backend and device: reported as the job starts, so known from its first batch on. */
function backendText(view: JobView): string {
  if (view.backend !== null) return `${view.backend} · ${view.device ?? '?'}`;
  if (view.state === 'active') return 'starting…';
  return view.startedAt === null && isTerminalState(view.state) ? '— (never started)' : '—';
}

/** The monitored metric's value at the checkpointed epoch, when it is not the accuracy shown. */
function bestMonitorValue(view: JobView, best: ReturnType<typeof bestAccuracy>): string {
  if (best === undefined || best.monitor.endsWith('accuracy')) return '';
  const record = view.history.find((entry) => entry.epoch === best.epoch);
  const value = record?.[best.monitor as 'loss' | 'val_loss'];
  return value === undefined ? '' : ` · ${best.monitor} ${value.toFixed(4)}`;
}

/** Duration, which the page's script keeps ticking while the job runs (client/live-detail.ts). */
function durationFact(view: JobView, now: number): SafeHtml {
  return html`<div>
    <dt>Duration</dt>
    <dd
      id="fact-duration"
      data-started-at="${view.startedAt ?? ''}"
      data-finished-at="${view.finishedAt ?? ''}"
    >
      ${formatDuration(durationOf(view, now))}
    </dd>
  </div>`;
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
        alt="${architectureAlt(summary)}"
        id="architecture"
      />
      <figcaption>Architecture (plot_model, show_shapes)</figcaption>
    </figure>
  </div>`;
}

/** The diagram in words, shapes as Keras prints them: `conv2d_input (None, 28, 28, 1) → …`. */
function architectureAlt(summary: ModelSummary): string {
  const input = `${summary.layers[0]?.name ?? 'input'}_input ${shape([null, ...INPUT_SHAPE])}`;
  const layers = summary.layers.map(
    (layer) => `${layer.name} ${layer.className} ${shape(layer.outputShape)}`,
  );
  return `Architecture diagram: ${[input, ...layers].join(' → ')}`;
}

function renderDownloads(view: JobView, artifacts: JobPageArtifacts): SafeHtml {
  if (!artifacts.hasTrainedModel) return html``;
  return html`<h3>Download the best model</h3>
    <ul class="downloads" id="downloads">
      <li>
        <a href="/api/jobs/${view.id}/model.tar" download id="model-archive"
          ><code>${view.id}-model.tar</code></a
        >
        <span class="small muted">model.json and its weights in one archive</span>
      </li>
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
  // Every image has an alt of its own (`Filters of conv2d, untrained`); job.ts keeps the alts of
  // the layered and input figures up to date as the controls change (viz-text.ts).
  const figure = (kind: string, caption: string, attributes: SafeHtml = html``, alt = caption) =>
    html`<figure class="viz" data-kind="${kind}" ${attributes}>
      <a class="zoom" target="_blank" rel="noopener"><img alt="${alt}" /></a>
      <figcaption>${caption}</figcaption>
    </figure>`;
  const first = layers[0]?.name ?? '';
  const weightsFigure = (kind: string, subject: string, weights: 'trained' | 'untrained') =>
    figure(
      kind,
      weights === 'trained' ? 'Trained' : 'Untrained',
      html`data-weights="${weights}" data-layered data-subject="${subject}"`,
      `${subject} of ${first}, ${weights}`,
    );
  return html`${checkpointLabel(view, artifacts)}
    <form class="controls" id="viz-controls">
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
      <label id="viz-sample-field"
        >Test image (0–9999)
        <input name="sample" id="viz-sample" type="number" min="0" max="9999" value="0" />
      </label>
      ${renderImagePicker()}
      <div class="upload-field">
        <label
          >or a ${IMAGE_SIZE}×${IMAGE_SIZE} PNG
          <input
            name="upload"
            id="viz-upload"
            type="file"
            accept="image/png"
            data-size="${IMAGE_SIZE}"
            aria-describedby="viz-error"
          />
        </label>
        <div class="upload-offer" id="viz-upload-problem" hidden>
          <span class="field-error" id="viz-error" role="alert"></span>
          <button type="button" id="viz-resize" hidden>Resize to 28×28 grayscale and use it</button>
        </div>
      </div>
      <button type="button" id="viz-clear-upload" hidden>Back to the test image</button>
    </form>
    <h3>Weights of the selected layer: trained vs untrained</h3>
    <div class="pair versus">
      ${weightsFigure('weights-histogram', 'Weight histogram', 'trained')}
      ${weightsFigure('weights-histogram', 'Weight histogram', 'untrained')}
    </div>
    <h3>Filters of the selected layer: trained vs untrained</h3>
    <div class="pair versus">
      ${weightsFigure('filters', 'Filters', 'trained')}
      ${weightsFigure('filters', 'Filters', 'untrained')}
    </div>
    <h3>Input image and the model's predictions</h3>
    <div class="input-row">
      ${figure('input', 'Input image', html`data-input data-subject="Input image"`, 'Input image: test image 0')}
      <div>
        <ol
          class="bars"
          id="predictions"
          data-input
          aria-label="Predictions"
          aria-live="polite"
        ></ol>
        <p class="small muted" id="predictions-status" role="status"></p>
      </div>
    </div>
    <h3>Feature maps of every conv layer</h3>
    <div class="pair">
      ${layers.map((layer) =>
        figure(
          'feature-maps',
          `${layer.name} ${shape(layer.outputShape)}`,
          html`data-layer="${layer.index}" data-input data-subject="Feature maps of ${layer.name}"`,
          `Feature maps of ${layer.name} for test image 0`,
        ),
      )}
    </div>
    <h3>Confusion matrix and accuracy per class (10,000 test images)</h3>
    <div class="pair">
      ${figure(
        'confusion-matrix',
        'Rows: true class · columns: predicted',
        html``,
        'Confusion matrix of the 10,000 test images: rows true class, columns predicted',
      )}
      <div class="table-wrap" id="per-class"></div>
    </div>`;
}

/** "Trained weights as of epoch N": which checkpoint the pictures of the trained model show. */
function checkpointLabel(view: JobView, artifacts: JobPageArtifacts): SafeHtml {
  const { checkpoint } = artifacts;
  return html`<p class="small muted" id="viz-as-of" data-version="${checkpoint?.version ?? ''}">
    ${checkpoint === undefined ? '' : describeCheckpoint(checkpoint.info, isTerminalState(view.state))}
  </p>`;
}

/** `Trained weights as of epoch 3 (the checkpoint, chosen by val_loss 0.3120)`. */
export function describeCheckpoint(checkpoint: ModelCheckpoint, final: boolean): string {
  const by = checkpoint.saveBestOnly
    ? `chosen by ${checkpoint.monitor}${checkpoint.value === null ? '' : ` ${checkpoint.value.toFixed(4)}`}`
    : 'every epoch saved';
  return `Trained weights as of epoch ${checkpoint.epoch} (${final ? 'the final checkpoint' : 'the checkpoint so far'}, ${by})`;
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

export function renderJobPage(view: JobView, artifacts: JobPageArtifacts): string {
  const now = Date.now();
  const cancellable = !isTerminalState(view.state);
  const title = view.type === 'train' ? 'Training job' : 'Visualization job';
  const data = {
    id: view.id,
    type: view.type,
    state: view.state,
    epochs: view.history.length,
    progress: view.progress,
    stage: view.stage ?? null,
    checkpointVersion: artifacts.checkpoint?.version ?? null,
    hasVisualizations: artifacts.hasTrainedModel && convLayersOf(artifacts.summary).length > 0,
  };
  const section = (name: JobFragment, heading: string, content: SafeHtml) =>
    html`<section class="card" id="${name}" data-fragment="${name}">
      <h2>${heading}</h2>
      <div class="fragment-body">${content}</div>
    </section>`;
  const trainBody =
    view.type === 'train'
      ? html`${renderCurvesCard(view)} ${section('history', 'Epochs', renderHistory(view))}
        ${section('model', 'Model', renderModel(view, artifacts))}
        ${section('visualizations', 'Inside the model', renderVisualizations(view, artifacts))}
        ${renderInspectionCards(view, artifacts.hasTrainedModel)}`
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
      ${
        view.trialOf === undefined
          ? ''
          : html`<p class="notice" id="trial-of">
              Trial #${view.trialOf.trial} of sweep
              <a href="/jobs/${view.trialOf.id}" class="mono">${view.trialOf.id}</a>: its
              leaderboard ranks this run among the others.
            </p>`
      }
      <section class="card">
        ${progressBar(view, 'job-progress', 'big-progress')}
        <p class="small muted" id="progress-text" role="status" aria-live="polite">
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
