import { $, $all, element, errorMessage, pageData, requestJson, sleep } from './dom.js';
import { parallelCoordinatesSvg } from './sweep-chart.js';
import {
  compareUrl,
  DEFAULT_SORT,
  describeComputeSaved,
  describeCounts,
  formatDurationSeconds,
  formatMetric,
  formatValue,
  leaderboardRowsHtml,
  nextSort,
  sortEntries,
  sweepWallSeconds,
  TERMINAL_STATES,
  topTrialIds,
  trialChipsHtml,
  type ColumnKey,
  type Goal,
  type LeaderboardEntry,
  type MetricName,
  type SortOrder,
  type SweepSummary,
} from './sweep-data.js';

/**
 * A sweep's page: the trials' progress, the leaderboard sorted by any column, the parallel
 * coordinates, compare the top k, cancel. Everything live is drawn here from the sweep's job view
 * (the server's first copy in the page data, then `GET /api/jobs/<id>` every 2 seconds while the
 * sweep runs and the tab is visible, one request at a time); nothing is asked per trial.
 */

interface SweepViewData {
  state: string;
  sweep?: SweepSummary | null;
  /** A completed sweep's result: its final summary. */
  result?: unknown;
  error: { message: string } | null;
  createdAt: string;
  finishedAt: string | null;
}

/** The live summary, or a finished sweep's result (the same summary, final). */
function summaryOf(current: SweepViewData): SweepSummary | null {
  if (current.sweep) return current.sweep;
  const result = current.result as Partial<SweepSummary> | null | undefined;
  return result?.trials !== undefined && Array.isArray(result.leaderboard)
    ? (result as SweepSummary)
    : null;
}

const data = pageData<{
  id: string;
  paths: string[];
  metric: { name: MetricName; goal: Goal };
  view: SweepViewData;
}>();
const POLL_MS = 2_000;
const badge = $('#job-state');
const cancelButton = $<HTMLButtonElement>('#cancel-job');
const progressBar = $<HTMLProgressElement>('#sweep-progress');
const counts = $('#sweep-counts');
const chips = $('#trial-chips');
const best = $('#sweep-best');
const computeSaved = $('#compute-saved');
const jobError = $('#job-error');
const table = $<HTMLTableElement>('#leaderboard');
const rows = $<HTMLTableSectionElement>('#leaderboard-rows');
const chart = $('#parallel-coordinates');
const compareK = $<HTMLSelectElement>('#compare-k');
const compareLink = $<HTMLAnchorElement>('#compare-top');
const status = $('#sweep-status');
const finishedFact = $('#fact-finished');
const wallTimeFact = $('#fact-wall-time');

let view = data.view;
let entries: LeaderboardEntry[] = summaryOf(view)?.leaderboard ?? [];
let order: SortOrder = DEFAULT_SORT;
/** The last view drawn, to skip redrawing what did not change. */
let drawn = '';

function setState(state: string): void {
  badge.textContent = state;
  badge.className = `badge state-${state}`;
  cancelButton.hidden = TERMINAL_STATES.has(state);
}

/** The leaderboard's rows in the current order, and each heading's aria-sort. */
function drawTable(): void {
  const started = performance.now();
  rows.innerHTML = leaderboardRowsHtml(sortEntries(entries, order), data.paths);
  for (const heading of $all<HTMLTableCellElement>('th[data-column]', table)) {
    heading.setAttribute(
      'aria-sort',
      heading.dataset.column === order.key ? order.direction : 'none',
    );
  }
  table.dataset.rows = String(entries.length);
  table.dataset.renderMs = (performance.now() - started).toFixed(1);
}

function drawCompare(): void {
  const k = Number(compareK.value);
  const ids = topTrialIds(entries, k);
  if (ids.length >= 2) {
    compareLink.href = compareUrl(ids);
    compareLink.removeAttribute('aria-disabled');
    compareLink.textContent = `Compare top ${ids.length}`;
  } else {
    compareLink.removeAttribute('href');
    compareLink.setAttribute('aria-disabled', 'true');
    compareLink.textContent = `Compare top ${k} (once 2 trials have a value)`;
  }
}

function drawBest(summary: SweepSummary): void {
  const top = summary.best;
  if (top === null) {
    best.textContent = 'No trial has a value of the metric yet.';
    return;
  }
  const values = data.paths.map((path) => `${path} = ${formatValue(top.assignment[path])}`);
  best.replaceChildren(
    TERMINAL_STATES.has(view.state) ? 'Best: ' : 'Best so far: ',
    element('a', { href: `/jobs/${top.id}` }, `trial #${top.trial}`),
    ` (${values.join(', ')}) · ${summary.metric.name} ${formatMetric(top.value)}` +
      (top.bestEpoch === null ? '' : ` at epoch ${top.bestEpoch}`),
  );
}

/** The facts that move: when the sweep finished, and its wall time so far. */
function drawTimes(): void {
  finishedFact.textContent =
    view.finishedAt === null
      ? '—'
      : `${view.finishedAt.slice(0, 10)} ${view.finishedAt.slice(11, 19)}`;
  const seconds = sweepWallSeconds(view, Date.now());
  wallTimeFact.textContent = seconds === null ? '—' : formatDurationSeconds(seconds);
}

function draw(): void {
  drawTimes();
  const summary = summaryOf(view);
  const key = JSON.stringify([view.state, summary, view.error]);
  if (key === drawn) return;
  drawn = key;
  setState(view.state);
  if (view.error) jobError.textContent = view.error.message;
  if (summary === null) {
    counts.textContent = 'The sweep has no trials to show.';
    return;
  }
  entries = summary.leaderboard ?? [];
  progressBar.value = view.state === 'completed' ? 100 : summary.percent;
  progressBar.classList.toggle('done', view.state === 'completed');
  counts.textContent = `${describeCounts(summary.trials)} · ${Math.round(summary.percent)}% of all epochs`;
  chips.innerHTML = trialChipsHtml(entries, data.metric.name);
  drawBest(summary);
  computeSaved.hidden = summary.earlyTermination === null;
  computeSaved.textContent =
    summary.earlyTermination === null ? '' : describeComputeSaved(summary.earlyTermination);
  drawTable();
  chart.innerHTML = parallelCoordinatesSvg({
    entries,
    paths: data.paths,
    metric: summary.metric,
  });
  drawCompare();
}

table.querySelector('thead')?.addEventListener('click', (event) => {
  const button = (event.target as Element).closest<HTMLButtonElement>('button[data-column]');
  if (button === null) return;
  order = nextSort(order, button.dataset.column as ColumnKey);
  drawTable();
});

compareK.addEventListener('change', drawCompare);

async function refresh(): Promise<void> {
  try {
    const answer = await requestJson<SweepViewData>(`/api/jobs/${data.id}`);
    if (!answer.ok) throw new Error(errorMessage(answer.body, answer.status));
    const { state, sweep, result, error, createdAt, finishedAt } = answer.body;
    view = { state, sweep, result, error, createdAt, finishedAt };
    draw();
    status.textContent = TERMINAL_STATES.has(view.state)
      ? `The sweep is ${view.state}.`
      : `Updated ${new Date().toLocaleTimeString()} · every 2 seconds.`;
  } catch {
    status.textContent = 'The dashboard cannot reach the API right now; retrying…';
  }
}

/** One request at a time, every 2 seconds while the sweep runs and the tab is visible. */
async function follow(): Promise<void> {
  while (!TERMINAL_STATES.has(view.state)) {
    await sleep(POLL_MS);
    if (!document.hidden) await refresh();
  }
}

cancelButton.addEventListener('click', async () => {
  const confirmed = confirm(
    'Cancel this sweep? Its waiting trials are removed and its running ones stop at their next batch; finished trials are kept.',
  );
  if (!confirmed) return;
  cancelButton.disabled = true;
  cancelButton.textContent = 'Cancelling…';
  const answer = await requestJson<{ state: string }>(`/api/jobs/${data.id}`, {
    method: 'DELETE',
  });
  cancelButton.disabled = false;
  cancelButton.textContent = 'Cancel';
  if (!answer.ok) {
    jobError.textContent = errorMessage(answer.body, answer.status);
    return;
  }
  status.textContent = 'cancel requested: running trials stop at their next batch…';
  await refresh();
});

draw();
status.textContent = TERMINAL_STATES.has(view.state)
  ? `The sweep is ${view.state}.`
  : 'Updates every 2 seconds.';
// When the page was usable, in ms from the start of its navigation (the tests read it).
table.dataset.readyMs = performance.now().toFixed(0);
table.dataset.ready = 'true';
void follow();
