import type { JobView, ModelSummary } from '@convoy/schemas';
import { html } from '../html.js';
import {
  bestAccuracy,
  describeBest,
  describeModel,
  formatTime,
  shortId,
  trainingParamsOf,
} from '../job-format.js';
import { convLayersOf } from './job-page.js';
import { stateBadge } from './job-list-page.js';
import { renderPage } from './layout.js';
import { runLabel } from '../run-labels.js';
import { renderOverlaidCurves, renderParameterDiff, renderSideBySide } from './compare-sections.js';

export interface CompareRun {
  readonly view: JobView;
  readonly summary: ModelSummary | undefined;
}

const ORDINALS = ['1st', '2nd', '3rd'];
const ordinal = (index: number) => ORDINALS[index] ?? `${index + 1}th`;

/**
 * Pick runs (train jobs with at least one epoch), then: their curves on one chart, and for the
 * n-th conv layer of each (models may differ), its filters and its feature maps of the same test
 * image, one column per run.
 */
export function renderComparePage(
  candidates: readonly JobView[],
  runs: readonly CompareRun[],
): string {
  const selected = new Set(runs.map((run) => run.view.id));
  const ids = runs.map((run) => run.view.id).join(',');
  const convCounts = runs.map((run) => convLayersOf(run.summary).length);
  const sharedConvLayers = convCounts.length === 0 ? 0 : Math.max(...convCounts);
  const picker = html`<form method="get" action="/compare" class="card" id="compare-form">
    <h2>Runs</h2>
    ${
      candidates.length === 0
        ? html`<p class="empty">No training job has finished an epoch yet.</p>`
        : html`<div class="checklist">
            ${candidates.map((job) => {
              const best = bestAccuracy(job);
              return html`<label class="inline">
                <input
                  type="checkbox"
                  name="ids"
                  value="${job.id}"
                  ${selected.has(job.id) ? 'checked' : ''}
                />
                <span>${runLabel(job)}</span>
                <span class="mono small muted">${shortId(job.id)}</span>
                <span class="small muted"
                  >${describeModel(trainingParamsOf(job))} · ${job.history.length} epochs ·
                  ${describeBest(best)}</span
                >
                ${stateBadge(job.state)}
              </label>`;
            })}
          </div>`
    }
    <p><button type="submit" class="primary">Compare</button></p>
  </form>`;
  if (runs.length < 2) {
    return renderPage(
      { title: 'Compare runs', section: 'compare' },
      html`<div class="page-head"><h1>Compare runs</h1></div>
        <p class="muted">Pick two or more training runs.</p>
        ${picker}`,
    );
  }
  const curves = (metric: 'loss' | 'accuracy') =>
    html`<figure>
      <img
        src="/compare/curves.png?ids=${ids}&metric=${metric}"
        alt="${metric} of the runs"
        id="compare-${metric}"
      />
      <figcaption>${metric} of each run: training solid, validation dashed</figcaption>
    </figure>`;
  return renderPage(
    {
      title: 'Compare runs',
      section: 'compare',
      script: 'compare',
      data: {
        ids: runs.map((run) => run.view.id),
        labels: runs.map((run) => runLabel(run.view)),
      },
    },
    html`<div class="page-head"><h1>Compare ${runs.length} runs</h1></div>
      ${renderParameterDiff(runs.map((run) => run.view))}
      ${renderOverlaidCurves(runs.map((run) => run.view))}
      <section class="card">
        <h2>Learning curves (images)</h2>
        <div class="pair">${curves('loss')} ${curves('accuracy')}</div>
      </section>
      <section class="card">
        <h2>Filters and feature maps, side by side</h2>
        <form class="controls" id="compare-controls">
          <label
            >Conv layer
            <select id="compare-conv" name="conv">
              ${Array.from(
                { length: sharedConvLayers },
                (_, index) => html`<option value="${index}">${ordinal(index)} conv layer</option>`,
              )}
            </select>
          </label>
          <label
            >Test image (0–9999)
            <input id="compare-sample" name="sample" type="number" min="0" max="9999" value="0" />
          </label>
        </form>
        <div class="runs">
          ${runs.map((run) => {
            const layers = convLayersOf(run.summary);
            const best = bestAccuracy(run.view);
            return html`<div class="run" data-job="${run.view.id}">
              <h3 class="run-title">
                <a href="/jobs/${run.view.id}">${runLabel(run.view)}</a>
                <span class="mono small muted">${shortId(run.view.id)}</span>
              </h3>
              <p class="small muted">
                ${describeModel(trainingParamsOf(run.view))} · ${run.view.history.length} epochs ·
                best ${describeBest(best)} · ${formatTime(run.view.createdAt)}
              </p>
              <figure
                class="viz"
                data-kind="filters"
                data-job="${run.view.id}"
                data-conv-layers="${layers.map((layer) => layer.index).join(',')}"
              >
                <a class="zoom" target="_blank" rel="noopener"
                  ><img alt="filters of ${run.view.id}"
                /></a>
                <figcaption>Filters (trained)</figcaption>
              </figure>
              <figure
                class="viz"
                data-kind="feature-maps"
                data-job="${run.view.id}"
                data-conv-layers="${layers.map((layer) => layer.index).join(',')}"
              >
                <a class="zoom" target="_blank" rel="noopener"
                  ><img alt="feature maps of ${run.view.id}"
                /></a>
                <figcaption>Feature maps of the test image</figcaption>
              </figure>
            </div>`;
          })}
        </div>
      </section>
      ${renderSideBySide(runs.map((run) => run.view))} ${picker}`,
  );
}
