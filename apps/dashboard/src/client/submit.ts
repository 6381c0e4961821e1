import { $, $all, element, pageData, requestJson } from './dom.js';
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
  readonly step?: string;
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
  dropout: [{ name: 'rate', label: 'rate', input: 'number', value: '0.4', step: '0.05' }],
};
const LAYER_TYPES = Object.keys(LAYER_FIELDS) as LayerType[];

const { presets, from } = pageData<{
  presets: Record<string, LayerDraft[]>;
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
        : element('input', {
            'data-field': spec.name,
            type: 'number',
            step: spec.step ?? '1',
            value,
            placeholder: spec.value === '' ? 'same as pool size' : undefined,
          });
    container.append(
      element(
        'label',
        {},
        spec.label,
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
    element(
      'td',
      {},
      typeSelect,
      element('span', { class: 'field-error', 'data-error-field': '' }),
    ),
    settings,
    element(
      'td',
      {},
      element('button', { type: 'button', 'data-action': 'up', title: 'move up' }, '↑'),
      ' ',
      element('button', { type: 'button', 'data-action': 'down', title: 'move down' }, '↓'),
      ' ',
      element('button', { type: 'button', 'data-action': 'remove', class: 'danger' }, 'Remove'),
    ),
  );
  typeSelect.addEventListener('change', () => {
    settings.replaceChildren(fieldsCell(typeSelect.value as LayerType, readRow(row)));
    renumber();
  });
  return row;
}

/** Error slots and fields carry their zod path (`params.model.layers.<i>.<field>`). */
function renumber(): void {
  $all<HTMLTableRowElement>('tr.layer-row', rows).forEach((row, index) => {
    $('.index', row).textContent = String(index);
    const base = `params.model.layers.${index}`;
    for (const control of $all<HTMLInputElement | HTMLSelectElement>('[data-field]', row)) {
      const name = control.dataset.field ?? '';
      control.dataset.path = name === 'type' ? `${base}.type` : `${base}.${name}`;
    }
    for (const slot of $all('[data-error-field]', row)) {
      const name = slot.dataset.errorField ?? '';
      slot.dataset.errorFor = name === '' ? base : `${base}.${name}`;
    }
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
  rows.replaceChildren(...layers.map(createRow));
  renumber();
}

rows.addEventListener('click', (event) => {
  const button = (event.target as Element).closest<HTMLButtonElement>('button[data-action]');
  const row = button?.closest('tr');
  if (!button || !row) return;
  if (button.dataset.action === 'remove') row.remove();
  if (button.dataset.action === 'up' && row.previousElementSibling) {
    row.previousElementSibling.before(row);
  }
  if (button.dataset.action === 'down' && row.nextElementSibling) row.nextElementSibling.after(row);
  renumber();
});
$('#add-layer').addEventListener('click', () => {
  const last = rows.lastElementChild;
  const row = createRow({ type: 'dense', units: 10, activation: 'softmax' });
  if (last)
    last.before(row); // keep the softmax output layer last
  else rows.append(row);
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
    model:
      mode() === 'custom'
        ? { layers: $all<HTMLTableRowElement>('tr.layer-row', rows).map(readRow) }
        : { preset: mode() },
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

function clearErrors(): void {
  formErrors.replaceChildren();
  for (const slot of $all('[data-error-for]', form)) slot.textContent = '';
  for (const invalid of $all('.invalid', form)) invalid.classList.remove('invalid');
}

/** Each detail beside the field its path names, or the nearest enclosing slot, or on top. */
function showErrors(message: string, details: readonly { path: string; message: string }[]): void {
  const unplaced: string[] = [];
  for (const detail of details) {
    $all(`[data-path="${CSS.escape(detail.path)}"]`, form).forEach((control) =>
      control.classList.add('invalid'),
    );
    let path = detail.path;
    let slot: HTMLElement | null = null;
    for (;;) {
      slot = form.querySelector<HTMLElement>(`[data-error-for="${CSS.escape(path)}"]`);
      if (slot !== null || !path.includes('.')) break;
      path = path.slice(0, path.lastIndexOf('.'));
    }
    if (slot !== null && !slot.closest('[hidden]')) {
      slot.textContent = slot.textContent
        ? `${slot.textContent}; ${detail.message}`
        : detail.message;
    } else {
      unplaced.push(`${detail.path}: ${detail.message}`);
    }
  }
  if (details.length === 0 || unplaced.length > 0) {
    formErrors.append(
      element('p', {}, details.length === 0 ? message : 'Please fix:'),
      ...(unplaced.length > 0
        ? [element('ul', {}, ...unplaced.map((text) => element('li', {}, text)))]
        : []),
    );
  }
  form
    .querySelector('.invalid, .field-error:not(:empty), #form-errors:not(:empty)')
    ?.scrollIntoView({
      block: 'center',
    });
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors();
  submitButton.disabled = true;
  try {
    const answer = await requestJson<{ id: string }>('/api/jobs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body()),
    });
    if (answer.ok) {
      location.assign(`/jobs/${answer.body.id}`);
      return;
    }
    showErrors(
      answer.body.error?.message ?? `failed (${answer.status})`,
      answer.body.error?.details ?? [],
    );
  } catch {
    showErrors('The dashboard could not be reached.', []);
  } finally {
    submitButton.disabled = false;
  }
});

if (from !== undefined) prefillForm(form, from, (layers) => setLayers(layers as LayerDraft[]));
syncMode();
