import type { JobView } from '@convoy/schemas';
import { html, type SafeHtml } from '../html.js';
import { parameterDifferences, runLabel } from '../run-labels.js';
import { chartControls } from './chart-sections.js';
import { staticUrl } from '../static-assets.js';

/** The runs' colours on the overlaid charts (the client's PALETTE, in the same order). */
const SWATCHES = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

const swatch = (index: number) =>
  html`<span class="run-swatch" data-swatch="${SWATCHES[index % SWATCHES.length]}"></span>`;

/** Only the parameters that differ between the runs, one column per run. */
export function renderParameterDiff(runs: readonly JobView[]): SafeHtml {
  const differences = parameterDifferences(runs);
  return html`<section class="card" id="param-diff">
    <h2>Parameters that differ</h2>
    ${
      differences.length === 0
        ? html`<p class="empty" id="param-diff-empty">The runs have the same parameters.</p>`
        : html`<div class="table-wrap">
            <table class="diff-table" id="param-diff-table">
              <thead>
                <tr>
                  <th>Parameter</th>
                  ${runs.map(
                    (run, index) =>
                      html`<th data-job="${run.id}">${swatch(index)}${runLabel(run)}</th>`,
                  )}
                </tr>
              </thead>
              <tbody>
                ${differences.map(
                  (difference) =>
                    html`<tr data-param="${difference.key}">
                      <th scope="row">${difference.key}</th>
                      ${difference.values.map((value) => html`<td class="differs">${value}</td>`)}
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }
  </section>`;
}

/** Every run's curves on one interactive chart per metric. */
export function renderOverlaidCurves(runs: readonly JobView[]): SafeHtml {
  return html`<section class="card">
    <h2>Learning curves, interactive</h2>
    <div class="chart-panel" id="compare-panel">
      ${chartControls({ batches: true })}
      <div class="charts">
        <div>
          <p class="chart-title">Loss</p>
          <div class="chart" id="compare-chart-loss"></div>
        </div>
        <div>
          <p class="chart-title">Accuracy</p>
          <div class="chart" id="compare-chart-accuracy"></div>
        </div>
      </div>
      <p class="small muted">
        ${runs.map((run, index) => html`<span>${swatch(index)}${runLabel(run)}</span> `)} — training
        solid, validation dashed.
      </p>
    </div>
  </section>`;
}

/** Confusion matrices and the predictions for one test image, one column per run. */
export function renderSideBySide(runs: readonly JobView[]): SafeHtml {
  return html`<section class="card">
    <h2>Confusion matrices and predictions, side by side</h2>
    <p class="small muted">Predictions are for the test image chosen above.</p>
    <div class="side-by-side" id="side-by-side">
      ${runs.map(
        (run, index) =>
          html`<div class="run-column" data-job="${run.id}">
            <h3 class="run-title">
              ${swatch(index)}<a href="/jobs/${run.id}">${runLabel(run)}</a>
            </h3>
            <figure class="viz" data-kind="confusion-matrix" data-job="${run.id}">
              <a class="zoom" target="_blank" rel="noopener"
                ><img alt="confusion matrix of ${runLabel(run)}"
              /></a>
              <figcaption>Confusion matrix</figcaption>
            </figure>
            <ol class="bars compare-predictions" data-job="${run.id}"></ol>
            <p class="small muted compare-predictions-status" data-job="${run.id}"></p>
          </div>`,
      )}
    </div>
    <script type="module" src="${staticUrl('compare-charts.js')}"></script>
  </section>`;
}
