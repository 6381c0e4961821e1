import { $, $all, element, pageData } from './dom.js';
import { numberProblem, type NumberBounds } from './form-check.js';
import { handleJobForm, type Problem } from './form-errors.js';
import { prefillForm, runFields, withSourceParams, type CloneSource } from './submit-run.js';

/**
 * The training form: a preset or a layer editor, and the API's own validation — the 400's
 * `details` (zod paths such as `params.model.layers.2.units`) are shown beside the matching field.
 */

type LayerType = 'conv2d' | 'maxPooling2d' | 'averagePooling2d' | 'flatten' | 'dense' | 'dropout';
type LayerDraft = { type: LayerType } & Record<string, unknown>;

interface FieldSpec {
  readonly name: string;
  readonly label: string;
  readonly input: 'number' | 'select';
  readonly options?: readonly string[];
  readonly value: string;
}

const ACTIVATIONS = ['relu', 'linear', 'softmax', 'sigmoid', 'tanh', 'elu', 'selu'];
const POOL_FIELDS: readonly FieldSpec[] = [
  { name: 'poolSize', label: 'pool size', input: 'number', value: '2' },
  { name: 'strides', label: 'strides', input: 'number', value: '' },
  {
    name: 'padding',
    label: 'padding',
    input: 'select',
    options: ['valid', 'same'],
    value: 'valid',
  },
];
const LAYER_FIELDS: Readonly<Record<LayerType, readonly FieldSpec[]>> = {
  conv2d: [
    { name: 'filters', label: 'filters', input: 'number', value: '32' },
    { name: 'kernelSize', label: 'kernel', input: 'number', value: '3' },
    { name: 'strides', label: 'strides', input: 'number', value: '1' },
    {
      name: 'padding',
      label: 'padding',
      input: 'select',
      options: ['same', 'valid'],
      value: 'same',
    },
    {
      name: 'activation',
      label: 'activation',
      input: 'select',
      options: ACTIVATIONS,
      value: 'relu',
    },
  ],
  maxPooling2d: POOL_FIELDS,
  averagePooling2d: POOL_FIELDS,
  flatten: [],
  dense: [
    { name: 'units', label: 'units', input: 'number', value: '100' },
    {
      name: 'activation',
      label: 'activation',
      input: 'select',
      options: ACTIVATIONS,
      value: 'relu',
    },
  ],
  dropout: [{ name: 'rate', label: 'rate', input: 'number', value: '0.4' }],
};
const LAYER_TYPES = Object.keys(LAYER_FIELDS) as LayerType[];

const { presets, bounds, layerBounds, from } = pageData<{
  presets: Record<string, LayerDraft[]>;
  /** Bounds of the number fields by path (`params.batchSize`), from the API's schemas. */
  bounds: Record<string, NumberBounds>;
  /** Bounds of each layer type's number fields (`conv2d` → `filters`). */
  layerBounds: Record<string, Record<string, NumberBounds>>;
  /** The run a clone starts from. */
  from?: CloneSource;
}>();
const form = $<HTMLFormElement>('#train-form');
const editor = $('#layer-editor');
const rows = $<HTMLTableSectionElement>('#layer-rows');
const formErrors = $('#form-errors');
const submitButton = $<HTMLButtonElement>('#submit-job');

function field(name: string): HTMLInputElement {
  return $<HTMLInputElement>(`[name="${name}"]`, form);
}

/** What was typed, as JSON: numbers where they parse, the text otherwise (the API names the field). */
function numeric(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : trimmed;
}

function fieldsCell(type: LayerType, values: Record<string, unknown>): HTMLElement {
  const container = element('div', { class: 'layer-fields' });
  for (const spec of LAYER_FIELDS[type]) {
    const given = values[spec.name];
    const value = given === undefined || Array.isArray(given) ? spec.value : String(given);
    const control =
      spec.input === 'select'
        ? element(
            'select',
            { 'data-field': spec.name },
            ...(spec.options ?? []).map((option) =>
              element('option', { value: option, selected: option === value }, option),
            ),
          )
        : numberControl(type, spec, value);
    const hint = layerBounds[type]?.[spec.name]?.hint;
    container.append(
      element(
        'label',
        {},
        element(
          'span',
          {},
          spec.label,
          ...(hint ? [' ', element('span', { class: 'small field-hint' }, `(${hint})`)] : []),
        ),
        control,
        element('span', { class: 'field-error', 'data-error-field': spec.name }),
      ),
    );
  }
  if (LAYER_FIELDS[type].length === 0) {
    container.append(element('span', { class: 'small muted' }, 'no settings'));
  }
  return container;
}

/** As the page's number fields: text with a numeric keyboard, checked by the form itself. */
function numberControl(type: LayerType, spec: FieldSpec, value: string): HTMLInputElement {
  const fieldBounds = layerBounds[type]?.[spec.name];
  return element('input', {
    'data-field': spec.name,
    type: 'text',
    value,
    inputmode: fieldBounds?.integer === false ? 'decimal' : 'numeric',
    autocomplete: 'off',
    placeholder: spec.value === '' ? 'same as pool size' : undefined,
  });
}

/** The line under each layer row where the row's own errors go (the table's columns stay put). */
const errorRows = new WeakMap<HTMLTableRowElement, HTMLTableRowElement>();

function errorRowOf(row: HTMLTableRowElement): HTMLTableRowElement {
  let errorRow = errorRows.get(row);
  if (errorRow === undefined) {
    errorRow = element(
      'tr',
      { class: 'row-errors', hidden: true },
      element('td'),
      element(
        'td',
        { colspan: '3' },
        element('span', { class: 'field-error', 'data-error-field': '' }),
      ),
    );
    errorRows.set(row, errorRow);
  }
  return errorRow;
}

const layerRows = () => $all<HTMLTableRowElement>('tr.layer-row', rows);

function createRow(layer: LayerDraft): HTMLTableRowElement {
  const typeSelect = element(
    'select',
    { 'data-field': 'type', 'aria-label': 'layer type' },
    ...LAYER_TYPES.map((type) =>
      element('option', { value: type, selected: type === layer.type }, type),
    ),
  );
  const settings = element('td', {}, fieldsCell(layer.type, layer));
  const row = element(
    'tr',
    { class: 'layer-row' },
    element('td', { class: 'index' }),
    element('td', {}, typeSelect),
    settings,
    element(
      'td',
      { class: 'layer-actions' },
      element('button', { type: 'button', 'data-action': 'up', title: 'move up' }, '↑'),
      ' ',
      element('button', { type: 'button', 'data-action': 'down', title: 'move down' }, '↓'),
      ' ',
      element('button', { type: 'button', 'data-action': 'remove', class: 'danger' }, 'Remove'),
    ),
  );
  errorRowOf(row);
  typeSelect.addEventListener('change', () => {
    settings.replaceChildren(fieldsCell(typeSelect.value as LayerType, readRow(row)));
    renumber();
  });
  return row;
}

/**
 * Error slots and fields carry their zod path (`params.model.layers.<i>.<field>`); fields and
 * buttons are named by their row (`Move layer 2 (conv2d) up`) for screen readers and messages.
 */
function renumber(): void {
  layerRows().forEach((row, index) => {
    $('.index', row).textContent = String(index);
    const base = `params.model.layers.${index}`;
    const type = $<HTMLSelectElement>('[data-field="type"]', row).value;
    const layer = `layer ${index} (${type})`;
    for (const control of $all<HTMLInputElement | HTMLSelectElement>('[data-field]', row)) {
      const name = control.dataset.field ?? '';
      control.dataset.path = `${base}.${name}`;
      const label =
        name === 'type'
          ? 'type'
          : (control.closest('label')?.firstElementChild?.firstChild?.textContent ?? name);
      control.dataset.label = `Layer ${index} (${type}) ${label}`;
      if (name === 'type') control.setAttribute('aria-label', `Layer ${index} type`);
    }
    for (const slot of [
      ...$all('[data-error-field]', row),
      ...$all('[data-error-field]', errorRowOf(row)),
    ]) {
      const name = slot.dataset.errorField ?? '';
      slot.dataset.errorFor = name === '' ? base : `${base}.${name}`;
      slot.dataset.label = `Layer ${index} (${type})`;
    }
    const name = (action: string, text: string) =>
      $(`button[data-action="${action}"]`, row).setAttribute('aria-label', text);
    name('up', `Move ${layer} up`);
    name('down', `Move ${layer} down`);
    name('remove', `Remove ${layer}`);
  });
}

function readRow(row: HTMLTableRowElement): LayerDraft {
  const layer: Record<string, unknown> = {};
  for (const control of $all<HTMLInputElement | HTMLSelectElement>('[data-field]', row)) {
    const name = control.dataset.field ?? '';
    const value = control instanceof HTMLSelectElement ? control.value : numeric(control.value);
    if (value !== undefined) layer[name] = value;
  }
  return layer as LayerDraft;
}

function setLayers(layers: readonly LayerDraft[]): void {
  rows.replaceChildren(
    ...layers.flatMap((layer) => {
      const row = createRow(layer);
      return [row, errorRowOf(row)];
    }),
  );
  renumber();
}

rows.addEventListener('click', (event) => {
  const button = (event.target as Element).closest<HTMLButtonElement>('button[data-action]');
  const row = button?.closest<HTMLTableRowElement>('tr.layer-row');
  if (!button || !row) return;
  const all = layerRows();
  const position = all.indexOf(row);
  const [previous, next] = [all[position - 1], all[position + 1]];
  // A row moves with the error line under it.
  if (button.dataset.action === 'remove') {
    errorRowOf(row).remove();
    row.remove();
  }
  if (button.dataset.action === 'up' && previous) previous.before(row, errorRowOf(row));
  if (button.dataset.action === 'down' && next) errorRowOf(next).after(row, errorRowOf(row));
  renumber();
  if (button.isConnected) button.focus();
});
$('#add-layer').addEventListener('click', () => {
  const last = layerRows().at(-1);
  const row = createRow({ type: 'dense', units: 10, activation: 'softmax' });
  if (last)
    last.before(row, errorRowOf(row)); // keep the softmax output layer last
  else rows.append(row, errorRowOf(row));
  renumber();
});
$('#load-preset').addEventListener('click', () => setLayers(presets.cnn ?? []));

function mode(): string {
  return $<HTMLInputElement>('input[name="model-mode"]:checked', form).value;
}
function syncMode(): void {
  editor.hidden = mode() !== 'custom';
  if (!editor.hidden && rows.children.length === 0) setLayers(presets.cnn ?? []);
}
for (const radio of $all<HTMLInputElement>('input[name="model-mode"]', form)) {
  radio.addEventListener('change', syncMode);
}
const earlyStopping = field('earlyStopping');
earlyStopping.addEventListener('change', () => {
  field('patience').disabled = !earlyStopping.checked;
});

function body(): unknown {
  const limit = numeric(field('limit').value);
  const params: Record<string, unknown> = {
    model: mode() === 'custom' ? { layers: layerRows().map(readRow) } : { preset: mode() },
    epochs: numeric(field('epochs').value),
    batchSize: numeric(field('batchSize').value),
    validationSplit: numeric(field('validationSplit').value),
    seed: numeric(field('seed').value),
    optimizer: { name: 'adam', learningRate: numeric(field('learningRate').value) },
    earlyStopping: earlyStopping.checked ? { patience: numeric(field('patience').value) } : false,
    dataset: limit === undefined ? {} : { limit },
  };
  return { type: 'train', params: withSourceParams(params, from), ...runFields(form) };
}

/** The bounds of the number field at `path`, a layer's by its row's type. */
function boundsFor(path: string): NumberBounds | undefined {
  const layerField = /^params\.model\.layers\.(\d+)\.(\w+)$/.exec(path);
  if (layerField === null) return bounds[path];
  const row = layerRows()[Number(layerField[1])];
  const type =
    row === undefined ? undefined : $<HTMLSelectElement>('[data-field="type"]', row).value;
  return type === undefined ? undefined : layerBounds[type]?.[layerField[2] ?? ''];
}

/** The number fields' problems, found before anything is sent (`abc`, 1.5 for a whole number). */
function checkNumbers(): Problem[] {
  return $all<HTMLInputElement>('input[data-path]', form).flatMap((input) => {
    const path = input.dataset.path ?? '';
    const fieldBounds = boundsFor(path);
    if (fieldBounds === undefined || input.disabled || input.closest('[hidden]')) return [];
    const problem = numberProblem(input.value, input.validity.badInput, fieldBounds);
    return problem === undefined ? [] : [{ path, message: problem }];
  });
}

handleJobForm({
  form,
  summary: formErrors,
  submitButton,
  check: checkNumbers,
  body,
  boundsFor: boundsFor,
});

if (from !== undefined) prefillForm(form, from, (layers) => setLayers(layers as LayerDraft[]));
syncMode();
