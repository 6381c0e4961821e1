import { isTerminalState, type JobView } from '@convoy/schemas';
import { html, type SafeHtml } from '../html.js';
import { shortId } from '../job-format.js';
import { runTags } from './job-list-page.js';
import { staticUrl } from '../static-assets.js';

/**
 * Run management on a job's page: the action buttons beside Cancel (clone, resume, delete) and
 * the panel with the run's name, tags and notes and their editor. Their script is
 * /static/run-actions.js (client/run-actions.ts), loaded by the panel.
 */

/** Resume is offered for these states: the run's checkpoint is kept. */
const RESUMABLE = new Set(['cancelled', 'failed']);

export function renderRunActions(view: JobView): SafeHtml {
  const train = view.type === 'train';
  // What Delete takes with it, for its confirmation: a sweep goes with its trials.
  const trials = view.sweep === undefined ? 'trials' : `${view.sweep.trials.total} trials`;
  const deletes =
    view.type === 'sweep'
      ? `its ${trials}, their artifacts and visualizations`
      : 'its artifacts and visualizations';
  return html`${
      train
        ? html`<a class="button" id="clone-job" href="/jobs/new?from=${view.id}"
            >Clone into a new job</a
          >`
        : ''
    }
    ${
      train
        ? html`<button type="button" id="resume-job" ${RESUMABLE.has(view.state) ? '' : 'hidden'}>
            Resume
          </button>`
        : ''
    }
    <button
      type="button"
      class="danger"
      id="delete-job"
      data-label="${view.name ?? shortId(view.id)}"
      data-what="${deletes}"
      ${isTerminalState(view.state) ? '' : 'hidden'}
    >
      Delete
    </button>`;
}

export function renderRunPanel(view: JobView): SafeHtml {
  const tags = view.tags ?? [];
  return html`<section class="card run-panel" id="run-panel" aria-labelledby="run-heading">
    <h2 id="run-heading">Run</h2>
    <p class="form-errors" id="run-action-error" role="alert"></p>
    <div id="run-view">
      <p>
        <strong id="run-name">${view.name ?? 'Unnamed run'}</strong>
        ${
          view.type === 'train' && view.visualizations
            ? html`·
                <a href="/?type=visualize&amp;q=${view.id}" class="small"
                  >${String(view.visualizations)} visualization
                  job${view.visualizations === 1 ? '' : 's'}</a
                >`
            : ''
        }
      </p>
      <div id="run-tags">${runTags(tags)}</div>
      <p id="run-notes" class="run-notes">${view.notes ?? ''}</p>
      <button type="button" id="edit-run">Edit name, tags and notes</button>
    </div>
    <form id="run-form" class="stack" hidden novalidate>
      <label
        >Name <input name="name" id="run-name-input" maxlength="100" value="${view.name ?? ''}"
      /></label>
      <label
        >Tags <span class="small">(comma-separated)</span>
        <input name="tags" id="run-tags-input" value="${tags.join(', ')}"
      /></label>
      <label
        >Notes
        <textarea name="notes" id="run-notes-input" rows="4" maxlength="4000">
${view.notes ?? ''}</textarea>
      </label>
      <p class="form-errors" id="run-form-error" role="alert"></p>
      <div>
        <button type="submit" class="primary" id="save-run">Save</button>
        <button type="button" id="discard-run-edit">Discard</button>
      </div>
    </form>
    <script type="module" src="${staticUrl('run-actions.js')}"></script>
  </section>`;
}
