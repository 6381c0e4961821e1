import type { JobView } from '@convoy/schemas';
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
import { renderPage } from './layout.js';

export type JobListFilter = 'train' | 'visualize' | 'all';

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
      <td colspan="9" class="empty">No jobs yet. <a href="/jobs/new">Start a training job</a>.</td>
    </tr>`;
  }
  return html`${jobs.map((job) => {
    const params = trainingParamsOf(job);
    const best = bestAccuracy(job);
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
      <td class="job-cell">
        <a href="/jobs/${job.id}" class="mono" title="${job.id}">${shortId(job.id)}</a>
        <div class="small muted">
          ${job.type === 'train' ? describeModel(params) : visualizationLabel(job.params)}
        </div>
      </td>
      <td class="hide-narrow" data-label="Type">${job.type}</td>
      <td data-label="State">${stateBadge(job.state)}</td>
      <td class="progress-cell" data-label="Progress">
        ${progressBar(job)}<small
          >${job.type === 'train' ? describeProgress(job, 'brief') : ''}</small
        >
      </td>
      <td class="hide-narrow" data-label="Backend">${job.backend ?? '—'}</td>
      <td
        class="num"
        data-label="Best val acc"
        title="${best === undefined ? '' : `checkpoint: epoch ${best.epoch}, by ${best.monitor}`}"
      >
        ${best === undefined ? '—' : formatPercent(best.value)}
      </td>
      <td class="num" data-label="Duration">${formatDuration(durationOf(job, now))}</td>
      <td class="hide-narrow small muted" data-label="Created (UTC)">
        ${formatTime(job.createdAt)}
      </td>
    </tr>`;
  })}`;
}

function visualizationLabel(params: unknown): string {
  if (typeof params !== 'object' || params === null) return '';
  const { kind, jobId } = params as { kind?: unknown; jobId?: unknown };
  return `${String(kind ?? '')} of ${typeof jobId === 'string' ? shortId(jobId) : '?'}`;
}

export function renderJobListPage(jobs: readonly JobView[], filter: JobListFilter): string {
  const tab = (value: JobListFilter, label: string) =>
    html`<a href="/?type=${value}" class="${filter === value ? 'current' : ''}">${label}</a>`;
  return renderPage(
    { title: 'Jobs', section: 'jobs', script: 'job-list', data: { filter } },
    html`<div class="page-head">
        <h1>Jobs</h1>
        <div class="tabs">
          ${tab('train', 'Training')} ${tab('visualize', 'Visualizations')} ${tab('all', 'All')}
        </div>
        <span class="spacer"></span>
        <button type="button" id="compare-selected" disabled>Compare selected</button>
        <a class="button primary" href="/jobs/new">New training job</a>
      </div>
      <section class="card table-wrap">
        <table class="jobs">
          <thead>
            <tr>
              <th></th>
              <th>Job</th>
              <th class="hide-narrow">Type</th>
              <th>State</th>
              <th>Progress</th>
              <th class="hide-narrow">Backend</th>
              <th class="num">Best val acc</th>
              <th class="num">Duration</th>
              <th class="hide-narrow">Created (UTC)</th>
            </tr>
          </thead>
          <tbody id="job-rows">
            ${renderJobRows(jobs, Date.now())}
          </tbody>
        </table>
        <p class="small muted" id="list-status">Updates every 2 seconds.</p>
      </section>`,
  );
}
