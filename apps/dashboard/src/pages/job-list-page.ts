import {
  JOB_STATES,
  MODEL_PRESETS,
  type JobList,
  type JobSortField,
  type JobView,
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
  percentOf,
  shortId,
  trainingParamsOf,
} from '../job-format.js';
import {
  describeSweepBest,
  describeSweepKind,
  describeSweepModel,
  describeSweepProgress,
} from '../sweep-format.js';
import { renderPage } from './layout.js';

export type JobListFilter = 'train' | 'visualize' | 'sweep' | 'all';

/** What the list page shows: a tab, a search, filters, a sort column and a page (all in its URL). */
export interface JobListQuery {
  readonly filter: JobListFilter;
  readonly q?: string | undefined;
  readonly state?: string | undefined;
  readonly tag?: string | undefined;
  readonly model?: string | undefined;
  readonly sort: JobSortField;
  readonly order: 'asc' | 'desc';
  readonly page: number;
  readonly perPage: number;
}

export const DEFAULT_PER_PAGE = 20;

/** The list page's URL for `query` with `changes` (page back to 1 unless given). */
export function listUrl(query: JobListQuery, changes: Partial<JobListQuery> = {}): string {
  const next = { ...query, page: 1, ...changes };
  const search = new URLSearchParams();
  search.set('type', next.filter);
  for (const name of ['q', 'state', 'tag', 'model'] as const) {
    const value = next[name];
    if (value !== undefined && value !== '') search.set(name, value);
  }
  if (next.sort !== 'createdAt' || next.order !== 'desc') {
    search.set('sort', next.sort);
    search.set('order', next.order);
  }
  if (next.perPage !== DEFAULT_PER_PAGE) search.set('per', String(next.perPage));
  if (next.page > 1) search.set('page', String(next.page));
  return `/?${search}`;
}

export function stateBadge(state: string, id?: string): SafeHtml {
  return html`<span class="badge state-${state}" ${id ? html`id="${id}"` : ''}>${state}</span>`;
}

export function progressBar(view: JobView, id?: string, extraClass = ''): SafeHtml {
  const percent = percentOf(view);
  return html`<progress
    ${id ? html`id="${id}"` : ''}
    class="${view.state === 'completed' ? 'done' : ''} ${extraClass}"
    max="100"
    value="${percent.toFixed(1)}"
    aria-label="progress"
  ></progress>`;
}

/** The rows of the job table; the page replaces them every two seconds (GET /fragments/jobs). */
export function renderJobRows(jobs: readonly JobView[], now: number): SafeHtml {
  if (jobs.length === 0) {
    return html`<tr>
      <td colspan="10" class="empty">
        No jobs match. <a href="/jobs/new">Start a training job</a>.
      </td>
    </tr>`;
  }
  return html`${jobs.map((job) => {
    const params = trainingParamsOf(job);
    const best = bestAccuracy(job);
    const sweepBest = describeSweepBest(job);
    const selectable = job.type === 'train' && job.history.length > 0;
    // data-label: on a phone each row is a card, each value under its column's name.
    return html`<tr data-id="${job.id}" data-state="${job.state}">
      <td class="pick">
        ${
          selectable
            ? html`<input
                type="checkbox"
                class="compare-pick"
                value="${job.id}"
                aria-label="compare ${job.id}"
              />`
            : ''
        }
      </td>
      <td class="job-cell run-cell">
        ${
          job.name
            ? html`<a href="/jobs/${job.id}" class="run-name" title="${job.id}">${job.name}</a>
                <div class="small mono muted">${shortId(job.id)}</div>`
            : html`<a href="/jobs/${job.id}" class="mono" title="${job.id}">${shortId(job.id)}</a>`
        }
        ${jobKindLine(job)} ${runTags(job.tags ?? [])} ${visualizationCount(job)}
      </td>
      <td class="hide-narrow small" data-label="Model">
        ${
          job.type === 'visualize'
            ? '—'
            : job.type === 'sweep'
              ? describeSweepModel(job)
              : describeModel(params)
        }
      </td>
      <td class="hide-narrow" data-label="Type">${job.type}</td>
      <td data-label="State">${stateBadge(job.state)}</td>
      <td class="progress-cell" data-label="Progress">
        ${progressBar(job)}<small
          >${
            job.type === 'train'
              ? describeProgress(job, 'brief')
              : job.type === 'sweep'
                ? describeSweepProgress(job)
                : ''
          }</small
        >
      </td>
      <td class="hide-narrow" data-label="Backend">${job.backend ?? '—'}</td>
      ${
        job.type === 'sweep'
          ? html`<td
              class="num"
              data-label="Best val acc"
              title="${job.sweep?.best ? `best trial: #${job.sweep.best.trial}` : ''}"
            >
              ${sweepBest ?? '—'}
            </td>`
          : html`<td
              class="num"
              data-label="Best val acc"
              title="${best === undefined ? '' : `checkpoint: epoch ${best.epoch}, by ${best.monitor}`}"
            >
              ${best === undefined ? '—' : formatPercent(best.value)}
            </td>`
      }
      <td class="num" data-label="Duration">${formatDuration(durationOf(job, now))}</td>
      <td class="hide-narrow small muted" data-label="Created (UTC)">
        ${formatTime(job.createdAt)}
      </td>
    </tr>`;
  })}`;
}

/** A run's tags as small labels, each a link to the runs with that tag. */
export function runTags(tags: readonly string[]): SafeHtml {
  if (tags.length === 0) return html``;
  return html`<ul class="run-tags" aria-label="tags">
    ${tags.map(
      (tag) => html`<li><a href="/?type=train&amp;tag=${encodeURIComponent(tag)}">${tag}</a></li>`,
    )}
  </ul>`;
}

function visualizationCount(job: JobView): SafeHtml {
  if (job.type !== 'train' || !job.visualizations) return html``;
  const count = job.visualizations;
  return html`<a class="small viz-count" href="/?type=visualize&amp;q=${job.id}"
    >${count} visualization${count === 1 ? '' : 's'}</a
  >`;
}

/**
 * The line under the run's name: what a visualization job inspects, a sweep's method and trial
 * count (`grid · 4 trials`), or the sweep a trial belongs to.
 */
function jobKindLine(job: JobView): SafeHtml {
  if (job.type === 'visualize')
    return html`<div class="small muted">${visualizationLabel(job.params)}</div>`;
  if (job.type === 'sweep')
    return html`<div class="small muted sweep-kind">sweep · ${describeSweepKind(job)}</div>`;
  if (job.trialOf === undefined) return html``;
  return html`<div class="small muted trial-of">
    trial #${job.trialOf.trial} of
    <a href="/jobs/${job.trialOf.id}" class="mono" title="${job.trialOf.id}"
      >${shortId(job.trialOf.id)}</a
    >
  </div>`;
}

function visualizationLabel(params: unknown): string {
  if (typeof params !== 'object' || params === null) return '';
  const { kind, jobId } = params as { kind?: unknown; jobId?: unknown };
  return `${String(kind ?? '')} of ${typeof jobId === 'string' ? shortId(jobId) : '?'}`;
}

/** Column headings: each sorts by its column, a second click reverses the order. */
const COLUMNS: readonly {
  readonly label: string;
  readonly sort: JobSortField;
  readonly className?: string;
}[] = [
  { label: 'Run', sort: 'name' },
  { label: 'Model', sort: 'model', className: 'hide-narrow' },
  { label: 'Type', sort: 'type', className: 'hide-narrow' },
  { label: 'State', sort: 'state' },
  { label: 'Progress', sort: 'progress' },
  { label: 'Backend', sort: 'backend', className: 'hide-narrow' },
  { label: 'Best val acc', sort: 'bestAccuracy', className: 'num' },
  { label: 'Duration', sort: 'duration', className: 'num' },
  { label: 'Created (UTC)', sort: 'createdAt', className: 'hide-narrow' },
];

function columnHeading(query: JobListQuery, column: (typeof COLUMNS)[number]): SafeHtml {
  const current = query.sort === column.sort;
  const order = current && query.order === 'desc' ? 'asc' : 'desc';
  const ariaSort = current ? (query.order === 'asc' ? 'ascending' : 'descending') : 'none';
  return html`<th class="${column.className ?? ''}" aria-sort="${ariaSort}">
    <a href="${listUrl(query, { sort: column.sort, order })}" data-sort="${column.sort}"
      >${column.label}${current ? (query.order === 'asc' ? ' ▲' : ' ▼') : ''}</a
    >
  </th>`;
}

function filterForm(query: JobListQuery): SafeHtml {
  const option = (value: string, label: string, selected: string | undefined) =>
    html`<option value="${value}" ${selected === value ? 'selected' : ''}>${label}</option>`;
  return html`<form class="job-filters" id="job-filters" method="get" action="/" role="search">
    <input type="hidden" name="type" value="${query.filter}" />
    <label
      >Search
      <input
        type="search"
        name="q"
        id="filter-q"
        value="${query.q ?? ''}"
        placeholder="name, id or tag"
        maxlength="100"
    /></label>
    <label
      >State
      <select name="state" id="filter-state">
        ${option('', 'any', query.state ?? '')}
        ${JOB_STATES.map((state) => option(state, state, query.state))}
      </select></label
    >
    <label
      >Tag <input name="tag" id="filter-tag" value="${query.tag ?? ''}" maxlength="32"
    /></label>
    <label
      >Model
      <select name="model" id="filter-model">
        ${option('', 'any', query.model ?? '')}
        ${MODEL_PRESETS.map((preset) => option(preset, preset, query.model))}
        ${option('custom', 'custom layers', query.model)}
      </select></label
    >
    ${
      query.sort !== 'createdAt' || query.order !== 'desc'
        ? html`<input type="hidden" name="sort" value="${query.sort}" />
            <input type="hidden" name="order" value="${query.order}" />`
        : ''
    }
    ${
      query.perPage === DEFAULT_PER_PAGE
        ? ''
        : html`<input type="hidden" name="per" value="${String(query.perPage)}" />`
    }
    <button type="submit" id="apply-filters">Apply</button>
    <a
      href="${listUrl({ filter: query.filter, sort: 'createdAt', order: 'desc', page: 1, perPage: query.perPage })}"
      >Clear</a
    >
  </form>`;
}

function pagination(query: JobListQuery, total: number): SafeHtml {
  const pages = Math.max(1, Math.ceil(total / query.perPage));
  const noun = query.filter === 'train' ? 'run' : query.filter === 'sweep' ? 'sweep' : 'job';
  return html`<nav class="pagination" aria-label="pages">
    ${
      query.page > 1
        ? html`<a id="page-prev" rel="prev" href="${listUrl(query, { page: query.page - 1 })}"
            >← Previous</a
          >`
        : ''
    }
    <span id="page-status"
      >Page ${String(Math.min(query.page, pages))} of ${String(pages)} · ${String(total)}
      ${noun}${total === 1 ? '' : 's'}</span
    >
    ${
      query.page < pages
        ? html`<a id="page-next" rel="next" href="${listUrl(query, { page: query.page + 1 })}"
            >Next →</a
          >`
        : ''
    }
  </nav>`;
}

export function renderJobListPage(list: JobList, query: JobListQuery): string {
  const tab = (value: JobListFilter, label: string) =>
    html`<a href="/?type=${value}" class="${query.filter === value ? 'current' : ''}">${label}</a>`;
  return renderPage(
    { title: 'Jobs', section: 'jobs', script: 'job-list', data: { filter: query.filter } },
    html`<div class="page-head">
        <h1>Jobs</h1>
        <div class="tabs">
          ${tab('train', 'Training runs')} ${tab('sweep', 'Sweeps')}
          ${tab('visualize', 'Visualizations')} ${tab('all', 'All')}
        </div>
        <span class="spacer"></span>
        <button type="button" id="compare-selected" disabled>Compare selected</button>
        <a class="button" href="/sweeps/new">New sweep</a>
        <a class="button primary" href="/jobs/new">New training job</a>
      </div>
      ${filterForm(query)}
      <section class="card table-wrap">
        <table class="jobs">
          <thead>
            <tr>
              <th></th>
              ${COLUMNS.map((column) => columnHeading(query, column))}
            </tr>
          </thead>
          <tbody id="job-rows">
            ${renderJobRows(list.items, Date.now())}
          </tbody>
        </table>
        ${pagination(query, list.total ?? list.items.length)}
        <p class="small muted" id="list-status">Updates every 2 seconds.</p>
      </section>`,
  );
}
