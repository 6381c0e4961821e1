import { isTerminalState, type JobView } from '@convoy/schemas';
import { html, type SafeHtml } from '../html.js';
import { describeModel, formatDuration, formatTime, shortId } from '../job-format.js';
import {
  describeDimension,
  describeEarlyTermination,
  describeSweepKind,
  sweepParamsOf,
  sweptPaths,
} from '../sweep-format.js';
import { stateBadge } from './job-list-page.js';
import { renderPage } from './layout.js';
import { renderRunActions, renderRunPanel } from './run-panel.js';

/**
 * A sweep's page (`/jobs/<sweep id>`): what it searches and how, the progress of every trial, the
 * compute early termination saved, the leaderboard (sortable by any column), the parallel
 * coordinates of the trials, compare the top k, cancel. The server renders the frame and the
 * facts; the page's script (client/sweep.ts) draws the live parts from the job view it is given
 * and from `GET /api/jobs/<id>` every 2 seconds until the sweep has finished.
 */

/** Choices of "compare top k": the compare view shows up to 10 runs. */
export const COMPARE_TOP_CHOICES = [2, 3, 4, 5, 6, 8, 10] as const;
export const DEFAULT_COMPARE_TOP = 3;

function fact(label: string, value: unknown, id?: string): SafeHtml {
  return html`<div>
    <dt>${label}</dt>
    <dd ${id === undefined ? '' : html`id="${id}"`}>${value}</dd>
  </div>`;
}

/**
 * From the sweep's creation to its last trial's end (the result's seconds), or to now while it
 * runs. Its own job's start and end are only the ranking at the end, milliseconds apart.
 */
export function sweepWallTime(
  view: Pick<JobView, 'createdAt' | 'finishedAt' | 'result' | 'state'>,
  now: number,
): number | undefined {
  const seconds = (view.result as { seconds?: unknown } | null)?.seconds;
  if (typeof seconds === 'number') return seconds * 1000;
  const end =
    view.finishedAt === null
      ? isTerminalState(view.state)
        ? NaN
        : now
      : Date.parse(view.finishedAt);
  const duration = end - Date.parse(view.createdAt);
  return Number.isFinite(duration) ? Math.max(0, duration) : undefined;
}

function renderSweepFacts(view: JobView): SafeHtml {
  const params = sweepParamsOf(view);
  if (params === undefined) {
    return html`<pre class="mono small">${JSON.stringify(view.params, null, 2)}</pre>`;
  }
  const { base } = params;
  return html`<dl class="facts">
      ${fact('Method', params.method === 'random' ? `random (seed ${params.seed})` : 'grid')}
      ${fact('Metric', `${params.metric.name} (${params.metric.goal})`, 'fact-metric')}
      ${fact('Trials', view.sweep?.trials.total ?? '—')}
      ${fact('At once', params.maxConcurrent ?? 'as many as workers take')}
      ${fact('Early termination', describeEarlyTermination(params.earlyTermination))}
      ${fact('Base model', describeModel(base))} ${fact('Epochs', base.epochs)}
      ${fact('Batch size', base.batchSize)}
      ${fact('Optimizer', `${base.optimizer.name}, lr ${base.optimizer.learningRate}`)}
      ${fact('Data limit', base.dataset.limit?.toLocaleString('en-US') ?? 'all 60,000')}
      ${fact('Created (UTC)', formatTime(view.createdAt))}
      ${fact('Finished', formatTime(view.finishedAt), 'fact-finished')}
      ${fact('Wall time', formatDuration(sweepWallTime(view, Date.now())), 'fact-wall-time')}
    </dl>
    <h3>Search space</h3>
    <ul class="search-space" id="search-space">
      ${Object.entries(params.parameters).map(
        ([path, dimension]) => html`<li><code>${path}</code>: ${describeDimension(dimension)}</li>`,
      )}
    </ul>`;
}

/** `grid · 4 trials · ranked by val_loss (minimize) · median stopping`. */
function sweepLine(view: JobView, metric: { name: string; goal: string }): string {
  const params = sweepParamsOf(view);
  const parts = [describeSweepKind(view), `ranked by ${metric.name} (${metric.goal})`];
  if (params !== undefined && params.earlyTermination !== false)
    parts.push(params.earlyTermination.type === 'median' ? 'median stopping' : 'ASHA');
  return parts.join(' · ');
}

export function renderSweepPage(view: JobView): string {
  const paths = sweptPaths(view);
  const metric = view.sweep?.metric ?? { name: 'val_loss', goal: 'minimize' };
  const data = {
    id: view.id,
    paths,
    metric,
    view: {
      state: view.state,
      sweep: view.sweep ?? null,
      result: view.result,
      error: view.error,
      createdAt: view.createdAt,
      finishedAt: view.finishedAt,
    },
  };
  const columns = [
    { key: 'rank', label: 'Rank', numeric: true },
    { key: 'trial', label: 'Trial', numeric: true },
    ...paths.map((path) => ({ key: `param:${path}`, label: path, numeric: false })),
    { key: 'value', label: metric.name, numeric: true },
    { key: 'bestEpoch', label: 'Best epoch', numeric: true },
    { key: 'epochsRun', label: 'Epochs run', numeric: true },
    { key: 'seconds', label: 'Seconds', numeric: true },
    { key: 'state', label: 'State', numeric: false },
  ];
  const title = view.name ?? `Sweep ${shortId(view.id)}`;
  return renderPage(
    { title, section: 'jobs', script: 'sweep', data },
    html`<div class="page-head">
        <h1>
          ${view.name ? html`Sweep “${view.name}”` : 'Sweep'} <code class="small">${view.id}</code>
        </h1>
        ${stateBadge(view.state, 'job-state')}
        <span class="spacer"></span>
        <button
          type="button"
          class="danger"
          id="cancel-job"
          ${isTerminalState(view.state) ? 'hidden' : ''}
        >
          Cancel
        </button>
        ${renderRunActions(view)}
      </div>
      <section class="card" id="sweep-progress-card" aria-labelledby="progress-heading">
        <h2 id="progress-heading">Trials</h2>
        <p id="sweep-summary">${sweepLine(view, metric)}</p>
        <progress
          id="sweep-progress"
          class="big-progress ${view.state === 'completed' ? 'done' : ''}"
          max="100"
          value="${(view.sweep?.percent ?? 0).toFixed(1)}"
          aria-label="epochs run of all trials"
        ></progress>
        <p class="small muted" id="sweep-counts" role="status" aria-live="polite"></p>
        <ul class="trial-chips" id="trial-chips" aria-label="every trial, in order"></ul>
        <p id="sweep-best"></p>
        <p class="notice" id="compute-saved" hidden></p>
        <p class="form-errors" id="job-error">${view.error?.message ?? ''}</p>
      </section>
      <section class="card" id="chart-card" aria-labelledby="chart-heading">
        <h2 id="chart-heading">Parallel coordinates</h2>
        <p class="small muted">
          One axis per swept parameter and one for ${metric.name}; each trial is a line through its
          values, coloured by its rank in ${metric.name} (yellow the best, dark blue the worst, grey
          before it has a value). Parameters whose values span more than 20× are on a log axis.
        </p>
        <div class="pc-wrap" id="parallel-coordinates"></div>
      </section>
      <section class="card" id="leaderboard-card" aria-labelledby="leaderboard-heading">
        <div class="page-head">
          <h2 id="leaderboard-heading">Leaderboard</h2>
          <span class="spacer"></span>
          <label class="inline"
            >Compare top
            <select id="compare-k" aria-label="how many of the best trials to compare">
              ${COMPARE_TOP_CHOICES.map(
                (k) =>
                  html`<option value="${k}" ${k === DEFAULT_COMPARE_TOP ? 'selected' : ''}>
                    ${k}
                  </option>`,
              )}
            </select></label
          >
          <a class="button" id="compare-top" aria-disabled="true"
            >Compare top ${DEFAULT_COMPARE_TOP}</a
          >
        </div>
        <p class="small muted">
          Ranked by ${metric.name} (${metric.goal}); click a column's heading to sort by it, again
          to reverse. Each trial is a training job of its own: its number opens its page.
        </p>
        <div class="table-wrap">
          <table class="leaderboard" id="leaderboard">
            <thead>
              <tr>
                ${columns.map(
                  (column) =>
                    html`<th
                      class="${column.numeric ? 'num' : ''}"
                      data-column="${column.key}"
                      aria-sort="${column.key === 'rank' ? 'ascending' : 'none'}"
                      scope="col"
                    >
                      <button type="button" class="sort" data-column="${column.key}">
                        ${column.label}
                      </button>
                    </th>`,
                )}
              </tr>
            </thead>
            <tbody id="leaderboard-rows"></tbody>
          </table>
        </div>
      </section>
      ${renderRunPanel(view)}
      <section class="card" id="facts" aria-labelledby="facts-heading">
        <h2 id="facts-heading">Details</h2>
        ${renderSweepFacts(view)}
      </section>
      <p class="small muted" id="sweep-status"></p>`,
  );
}
