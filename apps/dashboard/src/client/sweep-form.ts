import { $, $all, element, pageData } from './dom.js';
import { numberProblem, type NumberBounds } from './form-check.js';
import { handleJobForm, type Problem } from './form-errors.js';
import {
  draftProblems,
  numeric,
  previewTrialCount,
  sweepBody,
  type DimensionDraft,
  type DimensionKind,
} from './sweep-space.js';

/**
 * The sweep form: base training params, the search (grid or random) with dimensions added and
 * removed, a live count of the trials it makes, ranking, scheduling and early termination. The
 * API's 400 (a bad value, or a trial named with its values) is shown beside the fields its paths
 * name (`params.parameters.<path>` is that dimension's row), and listed in the summary.
 */

const { bounds, maxTrials, maxDimensions, defaultTrials } = pageData<{
  bounds: Record<string, NumberBounds>;
  maxTrials: number;
  maxDimensions: number;
  defaultTrials: number;
}>();
const form = $<HTMLFormElement>('#sweep-form');
const rows = $<HTMLTableSectionElement>('#dimension-rows');
const preview = $('#trial-preview');
const formErrors = $('#form-errors');
const submitButton = $<HTMLButtonElement>('#submit-sweep');
const addButton = $<HTMLButtonElement>('#add-dimension');

const KINDS: readonly { value: DimensionKind; label: string }[] = [
  { value: 'values', label: 'values' },
  { value: 'uniform', label: 'uniform range' },
  { value: 'log_uniform', label: 'log-uniform range' },
  { value: 'int_uniform', label: 'integer range' },
];

function input(name: string): HTMLInputElement {
  return $<HTMLInputElement>(`[name="${name}"]`, form);
}
const checked = (name: string) => $<HTMLInputElement>(`input[name="${name}"]:checked`, form).value;
const method = () => checked('method') as 'grid' | 'random';

const dimensionRows = () => $all<HTMLTableRowElement>('tr.dimension-row', rows);

function createRow(draft: Partial<DimensionDraft> = {}): HTMLTableRowElement {
  const path = element('input', {
    class: 'dimension-path',
    list: 'sweep-paths',
    value: draft.path ?? '',
    placeholder: 'optimizer.learningRate',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const kind = element(
    'select',
    { class: 'dimension-kind' },
    ...KINDS.map((option) =>
      element(
        'option',
        { value: option.value, selected: option.value === (draft.kind ?? 'values') },
        option.label,
      ),
    ),
  );
  const values = element('input', {
    class: 'dimension-values',
    value: draft.values ?? '',
    placeholder: '0.001, 0.0003',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const min = element('input', {
    class: 'dimension-min',
    value: draft.min ?? '',
    placeholder: 'min',
    inputmode: 'decimal',
  });
  const max = element('input', {
    class: 'dimension-max',
    value: draft.max ?? '',
    placeholder: 'max',
    inputmode: 'decimal',
  });
  const range = element('div', { class: 'dimension-range' }, min, ' – ', max);
  const error = element('span', { class: 'field-error dimension-error' });
  const row = element(
    'tr',
    { class: 'dimension-row' },
    element('td', {}, path),
    element('td', {}, kind),
    element('td', {}, values, range, error),
    element(
      'td',
      { class: 'dimension-actions' },
      element('button', { type: 'button', class: 'danger', 'data-action': 'remove' }, 'Remove'),
    ),
  );
  syncKind(row);
  return row;
}

/** A range's bounds or a list of values, as the row's kind says. */
function syncKind(row: HTMLTableRowElement): void {
  const kind = $<HTMLSelectElement>('.dimension-kind', row).value;
  $('.dimension-values', row).hidden = kind !== 'values';
  $('.dimension-range', row).hidden = kind === 'values';
}

function readRow(row: HTMLTableRowElement): DimensionDraft {
  return {
    path: $<HTMLInputElement>('.dimension-path', row).value.trim(),
    kind: $<HTMLSelectElement>('.dimension-kind', row).value as DimensionKind,
    values: $<HTMLInputElement>('.dimension-values', row).value,
    min: $<HTMLInputElement>('.dimension-min', row).value,
    max: $<HTMLInputElement>('.dimension-max', row).value,
  };
}

/**
 * Each row's controls and error slot carry its dimension's path in the request
 * (`params.parameters.model.preset`), so the API's answer lands beside it; names for readers.
 */
function renumber(): void {
  dimensionRows().forEach((row, index) => {
    const draft = readRow(row);
    const where = `params.parameters.${draft.path || `#${index}`}`;
    const label = `Dimension ${index + 1}${draft.path ? ` (${draft.path})` : ''}`;
    $('.dimension-path', row).setAttribute('aria-label', `${label} param path`);
    $('.dimension-kind', row).setAttribute('aria-label', `${label} kind`);
    $('.dimension-values', row).setAttribute('aria-label', `${label} values`);
    $('.dimension-min', row).setAttribute('aria-label', `${label} minimum`);
    $('.dimension-max', row).setAttribute('aria-label', `${label} maximum`);
    $('button[data-action="remove"]', row).setAttribute(
      'aria-label',
      `Remove ${label.toLowerCase()}`,
    );
    const valueControl = draft.kind === 'values' ? '.dimension-values' : '.dimension-min';
    for (const control of $all<HTMLElement>('input, select', row)) delete control.dataset.path;
    const target = $<HTMLElement>(valueControl, row);
    target.dataset.path = where;
    target.dataset.label = label;
    const slot = $('.dimension-error', row);
    slot.dataset.errorFor = where;
    slot.dataset.label = label;
  });
  addButton.disabled = dimensionRows().length >= maxDimensions;
}

function drafts(): DimensionDraft[] {
  return dimensionRows().map(readRow);
}

function updatePreview(): void {
  const shown = previewTrialCount(method(), drafts(), input('trials').value, {
    maxTrials,
    defaultTrials,
  });
  preview.textContent = shown.text;
  preview.classList.toggle('over', shown.over);
  preview.dataset.count = shown.count === undefined ? '' : String(shown.count);
}

function syncSections(): void {
  $('#random-fields').hidden = method() !== 'random';
  const rule = checked('earlyTermination');
  $('#median-fields').hidden = rule !== 'median';
  $('#asha-fields').hidden = rule !== 'asha';
  input('patience').disabled = !input('earlyStopping').checked;
  // A grid lists values; the ranges to sample are for random search.
  for (const row of dimensionRows()) {
    const kind = $<HTMLSelectElement>('.dimension-kind', row);
    for (const option of [...kind.options])
      option.disabled = method() === 'grid' && option.value !== 'values';
    if (method() === 'grid' && kind.value !== 'values') {
      kind.value = 'values';
      syncKind(row);
    }
  }
  renumber();
  updatePreview();
}

rows.addEventListener('input', () => {
  renumber();
  updatePreview();
});
rows.addEventListener('change', (event) => {
  const target = event.target as Element;
  const row = target.closest<HTMLTableRowElement>('tr.dimension-row');
  if (row !== null && target.classList.contains('dimension-kind')) syncKind(row);
  renumber();
  updatePreview();
});
rows.addEventListener('click', (event) => {
  const button = (event.target as Element).closest<HTMLButtonElement>(
    'button[data-action="remove"]',
  );
  const row = button?.closest<HTMLTableRowElement>('tr.dimension-row');
  if (!button || !row) return;
  const next = row.nextElementSibling ?? row.previousElementSibling;
  row.remove();
  renumber();
  updatePreview();
  (next?.querySelector<HTMLElement>('.dimension-path') ?? addButton).focus();
});
addButton.addEventListener('click', () => {
  if (dimensionRows().length >= maxDimensions) return;
  const row = createRow();
  rows.append(row);
  syncSections();
  $<HTMLInputElement>('.dimension-path', row).focus();
});
form.addEventListener('change', (event) => {
  const name = (event.target as HTMLInputElement).name;
  if (['method', 'earlyTermination', 'earlyStopping'].includes(name)) syncSections();
});
input('trials').addEventListener('input', updatePreview);

function earlyTermination(): Record<string, unknown> | false {
  const rule = checked('earlyTermination');
  if (rule === 'median')
    return {
      type: 'median',
      graceEpochs: numeric(input('graceEpochs').value),
      minTrials: numeric(input('minTrials').value),
    };
  if (rule === 'asha')
    return {
      type: 'asha',
      minEpochs: numeric(input('minEpochs').value),
      reductionFactor: numeric(input('reductionFactor').value),
    };
  return false;
}

function body(): Record<string, unknown> {
  const limit = numeric(input('limit').value);
  const base = {
    model: { preset: checked('preset') },
    epochs: numeric(input('epochs').value),
    batchSize: numeric(input('batchSize').value),
    validationSplit: numeric(input('validationSplit').value),
    seed: numeric(input('seed').value),
    optimizer: {
      name: $<HTMLSelectElement>('[name="optimizer"]', form).value,
      learningRate: numeric(input('learningRate').value),
    },
    earlyStopping: input('earlyStopping').checked
      ? { patience: numeric(input('patience').value) }
      : false,
    dataset: limit === undefined ? {} : { limit },
  };
  return sweepBody({
    base,
    method: method(),
    dimensions: drafts(),
    trials: input('trials').value,
    seed: input('samplerSeed').value,
    metric: $<HTMLSelectElement>('[name="metric"]', form).value,
    goal: $<HTMLSelectElement>('[name="goal"]', form).value,
    maxConcurrent: input('maxConcurrent').value,
    earlyTermination: earlyTermination(),
    name: input('runName').value,
    tags: input('runTags').value,
  });
}

/** The form's own checks: number fields against the API's bounds, and the dimensions' rows. */
function checkForm(): Problem[] {
  const numbers = $all<HTMLInputElement>('input[data-path]', form).flatMap((control) => {
    const path = control.dataset.path ?? '';
    const fieldBounds = bounds[path];
    if (fieldBounds === undefined || control.disabled || control.closest('[hidden]')) return [];
    const problem = numberProblem(control.value, false, fieldBounds);
    return problem === undefined ? [] : [{ path, message: problem }];
  });
  const rowsNow = dimensionRows();
  const dimensions = draftProblems(drafts(), method()).map(({ index, message }) => ({
    path:
      rowsNow[index]?.querySelector<HTMLElement>('[data-path]')?.dataset.path ??
      'params.parameters',
    message,
  }));
  const noDimension =
    rowsNow.length === 0 ? [{ path: 'params.parameters', message: 'add a dimension to vary' }] : [];
  const count = previewTrialCount(method(), drafts(), input('trials').value, {
    maxTrials,
    defaultTrials,
  });
  const tooMany = count.over ? [{ path: 'params.parameters', message: count.text }] : [];
  return [...numbers, ...dimensions, ...noDimension, ...tooMany];
}

handleJobForm({
  form,
  summary: formErrors,
  submitButton,
  check: checkForm,
  body,
  boundsFor: (path) => bounds[path],
});

rows.append(createRow({ path: 'optimizer.learningRate', values: '0.001, 0.0003' }));
syncSections();
