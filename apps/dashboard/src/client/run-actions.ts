import { $, element, errorMessage, pageData, requestJson } from './dom.js';

/**
 * Run management on a job's page: edit the name, tags and notes (PATCH), resume a cancelled or
 * failed run, delete a finished one after a confirmation. The page's own script (job.ts) owns the
 * state badge; the buttons here follow it.
 */

interface RunView {
  name: string | null;
  tags: string[];
  notes: string | null;
}

const { id } = pageData<{ id: string }>();
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
const RESUMABLE = new Set(['cancelled', 'failed']);
const badge = $('#job-state');
const resumeButton = document.querySelector<HTMLButtonElement>('#resume-job');
const deleteButton = $<HTMLButtonElement>('#delete-job');
const actionError = $('#run-action-error');
const view = $('#run-view');
const form = $<HTMLFormElement>('#run-form');
const formError = $('#run-form-error');

function syncButtons(): void {
  const state = badge.textContent?.trim() ?? '';
  if (resumeButton !== null) resumeButton.hidden = !RESUMABLE.has(state);
  deleteButton.hidden = !TERMINAL.has(state);
}
new MutationObserver(syncButtons).observe(badge, {
  childList: true,
  characterData: true,
  subtree: true,
});

function showRun(run: RunView): void {
  $('#run-name').textContent = run.name ?? 'Unnamed run';
  $('#run-notes').textContent = run.notes ?? '';
  const list = element('ul', { class: 'run-tags', 'aria-label': 'tags' });
  for (const tag of run.tags) {
    list.append(
      element('li', {}, element('a', { href: `/?type=train&tag=${encodeURIComponent(tag)}` }, tag)),
    );
  }
  $('#run-tags').replaceChildren(...(run.tags.length > 0 ? [list] : []));
  deleteButton.dataset.label = run.name ?? deleteButton.dataset.label ?? id;
}

function edit(open: boolean): void {
  form.hidden = !open;
  view.hidden = open;
  formError.textContent = '';
  if (open) $<HTMLInputElement>('#run-name-input').focus();
}

$('#edit-run').addEventListener('click', () => edit(true));
$('#discard-run-edit').addEventListener('click', () => edit(false));

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const name = $<HTMLInputElement>('#run-name-input').value.trim();
  const notes = $<HTMLTextAreaElement>('#run-notes-input').value;
  const tags = $<HTMLInputElement>('#run-tags-input')
    .value.split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
  const save = $<HTMLButtonElement>('#save-run');
  save.disabled = true;
  try {
    const answer = await requestJson<RunView>(`/api/jobs/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: name === '' ? null : name,
        tags,
        notes: notes.trim() === '' ? null : notes,
      }),
    });
    if (!answer.ok) {
      const details = answer.body.error?.details ?? [];
      formError.textContent =
        details.length > 0
          ? details.map((detail) => `${detail.path}: ${detail.message}`).join('; ')
          : errorMessage(answer.body, answer.status);
      return;
    }
    showRun(answer.body);
    edit(false);
  } finally {
    save.disabled = false;
  }
});

resumeButton?.addEventListener('click', async () => {
  resumeButton.disabled = true;
  const answer = await requestJson<{ state: string }>(`/api/jobs/${id}/resume`, { method: 'POST' });
  if (!answer.ok) {
    actionError.textContent = errorMessage(answer.body, answer.status);
    resumeButton.disabled = false;
    return;
  }
  // The same job again, waiting for a worker: the page starts following it afresh.
  location.reload();
});

deleteButton.addEventListener('click', async () => {
  const label = deleteButton.dataset.label ?? id;
  const confirmed = confirm(
    `Delete run "${label}" with ${deleteButton.dataset.what ?? 'its artifacts and visualizations'}? This cannot be undone.`,
  );
  if (!confirmed) return;
  deleteButton.disabled = true;
  const answer = await requestJson<{ deleted: boolean }>(`/api/jobs/${id}?purge=true`, {
    method: 'DELETE',
  });
  if (!answer.ok) {
    actionError.textContent = errorMessage(answer.body, answer.status);
    deleteButton.disabled = false;
    return;
  }
  location.assign('/');
});

syncButtons();
