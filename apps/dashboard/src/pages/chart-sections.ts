import { CLASS_NAMES, isTerminalState, type JobView } from '@convoy/schemas';
import { html, type SafeHtml } from '../html.js';
import { staticUrl } from '../static-assets.js';

/**
 * The job page's interactive sections (filled in by /static/job-charts.js): learning curves drawn
 * in the browser with uPlot beside the server's PNG/SVG/PDF images, the misclassified test images,
 * the weight distributions across epochs, and the test-image pickers of "Inside the model".
 */

/** Smoothing slider, log scale, per-batch toggle and zoom reset of a chart panel. */
export function chartControls(options: { batches: boolean }): SafeHtml {
  return html`<div class="chart-controls">
    <label
      >Smoothing
      <input type="range" min="0" max="0.99" step="0.01" value="0.6" data-chart-smoothing />
      <output data-chart-smoothing-value>0.6</output></label
    >
    <label><input type="checkbox" data-chart-log /> Log scale</label>
    ${
      options.batches
        ? html`<label><input type="checkbox" data-chart-batches checked /> Per-batch points</label>`
        : ''
    }
    <button type="button" data-chart-reset>Reset zoom</button>
    <span class="small muted">Drag across a chart to zoom, double-click to zoom out.</span>
  </div>`;
}

function curveFigure(view: JobView, metric: 'loss' | 'accuracy'): SafeHtml {
  const epochs = view.history.length;
  const src = `/jobs/${view.id}/curves.png?metric=${metric}&epochs=${epochs}`;
  const link = (format: string) =>
    html`<a href="/jobs/${view.id}/curves.${format}?metric=${metric}" download
      >${format.toUpperCase()}</a
    >`;
  return html`<figure class="curve" data-metric="${metric}" ${epochs === 0 ? 'hidden' : ''}>
    <img
      id="curves-${metric}"
      alt="${metric} per epoch"
      ${epochs === 0 ? '' : html`src="${src}"`}
    />
    <figcaption>
      ${metric === 'loss' ? 'loss and val_loss' : 'accuracy and val_accuracy'} ·
      <span class="downloads-inline">${link('png')} ${link('svg')} ${link('pdf')}</span>
    </figcaption>
  </figure>`;
}

/** The learning curves card: interactive charts, and node-canvas's images to download. */
export function renderCurvesCard(view: JobView): SafeHtml {
  const empty = view.history.length === 0;
  return html`<section class="card" id="curves">
    <h2>Learning curves</h2>
    <p class="empty" id="curves-empty" ${empty ? '' : 'hidden'}>
      The curves appear after the first epoch.
    </p>
    <div class="chart-panel" id="curves-panel" ${empty ? 'hidden' : ''}>
      ${chartControls({ batches: true })}
      <div class="charts">
        <div>
          <p class="chart-title">Loss</p>
          <div class="chart" id="chart-loss"></div>
        </div>
        <div>
          <p class="chart-title">Accuracy</p>
          <div class="chart" id="chart-accuracy"></div>
        </div>
      </div>
      <p class="small muted" id="curves-note"></p>
    </div>
    <details class="static-images">
      <summary>Images (PNG, SVG, PDF)</summary>
      <div class="pair">${curveFigure(view, 'loss')} ${curveFigure(view, 'accuracy')}</div>
    </details>
    <script type="module" src="${staticUrl('job-charts.js')}"></script>
  </section>`;
}

const classOptions = (any: string) =>
  html`<option value="">${any}</option>
    ${CLASS_NAMES.map((name, index) => html`<option value="${index}">${index}: ${name}</option>`)}`;

/** Random and per-class pickers for the test image (defect 7: the test set is ordered by class). */
export function renderImagePicker(): SafeHtml {
  return html`<div class="picker" id="image-picker">
    <label
      >Class
      <select id="pick-class">
        ${classOptions('any class')}
      </select>
    </label>
    <button type="button" data-pick="any" id="pick-random">Random image</button>
    <button type="button" data-pick="misclassified" id="pick-mistake">Random mistake</button>
    <span class="small muted" id="pick-status" aria-live="polite"></span>
  </div>`;
}

/** The misclassified grid and the weight distributions, for a training job with a model. */
export function renderInspectionCards(view: JobView, hasTrainedModel: boolean): SafeHtml {
  if (view.type !== 'train') return html``;
  const mistakes =
    hasTrainedModel && isTerminalState(view.state)
      ? html`<section class="card" id="misclassified-panel">
          <h2>Misclassified test images</h2>
          <div class="controls">
            <label
              >True class
              <select id="mistakes-class">
                ${classOptions('all classes')}
              </select>
            </label>
          </div>
          <p class="small muted" id="mistakes-summary"></p>
          <div class="mistakes" id="mistakes"></div>
        </section>`
      : '';
  return html`${mistakes}
    <section class="card" id="distributions-panel">
      <h2>Weight distributions across epochs</h2>
      <div class="controls">
        <label
          >Weights
          <select id="distribution-weight"></select>
        </label>
      </div>
      <p class="small muted" id="distribution-status">
        The distributions appear once training starts.
      </p>
      <div class="chart" id="distribution-chart"></div>
      <p class="small muted" id="distribution-caption"></p>
    </section>`;
}
