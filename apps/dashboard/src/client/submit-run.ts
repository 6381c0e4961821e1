/**
 * The new-job form's run fields (name, tags) and cloning: `/jobs/new?from=<id>` fills the form
 * with that run's parameters, and what the form has no field for (optimizer, monitors, checkpoint
 * settings…) is sent as the source run had it.
 */

type Params = Record<string, unknown>;

export interface CloneSource {
  readonly id: string;
  readonly params: Params;
  readonly name: string | null;
  readonly tags: readonly string[];
}

function input(form: HTMLFormElement, name: string): HTMLInputElement | null {
  return form.querySelector<HTMLInputElement>(`[name="${name}"]`);
}

function setValue(form: HTMLFormElement, name: string, value: unknown): void {
  const control = input(form, name);
  if (control !== null && (typeof value === 'number' || typeof value === 'string'))
    control.value = String(value);
}

const objectOf = (value: unknown): Params =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Params) : {};

/** Fills the form from the source run; `setLayers` loads a custom model's layers into the editor. */
export function prefillForm(
  form: HTMLFormElement,
  from: CloneSource,
  setLayers: (layers: Params[]) => void,
): void {
  const { params } = from;
  const model = objectOf(params.model);
  const mode = typeof model.preset === 'string' ? model.preset : 'custom';
  const radio = form.querySelector<HTMLInputElement>(
    `input[name="model-mode"][value="${CSS.escape(mode)}"]`,
  );
  if (radio !== null) radio.checked = true;
  if (mode === 'custom' && Array.isArray(model.layers)) setLayers(model.layers.map(objectOf));
  setValue(form, 'epochs', params.epochs);
  setValue(form, 'batchSize', params.batchSize);
  setValue(form, 'validationSplit', params.validationSplit);
  setValue(form, 'seed', params.seed);
  setValue(form, 'learningRate', objectOf(params.optimizer).learningRate);
  setValue(form, 'limit', objectOf(params.dataset).limit);
  const earlyStopping = input(form, 'earlyStopping');
  if (earlyStopping !== null) {
    earlyStopping.checked = params.earlyStopping !== false;
    earlyStopping.dispatchEvent(new Event('change'));
  }
  if (params.earlyStopping !== false)
    setValue(form, 'patience', objectOf(params.earlyStopping).patience);
  setValue(form, 'runName', from.name === null ? '' : `${from.name} (copy)`);
  setValue(form, 'runTags', from.tags.join(', '));
}

/** The form's params over the source run's: nested settings the form does not show are kept. */
export function withSourceParams(params: Params, from: CloneSource | undefined): Params {
  if (from === undefined) return params;
  const source = from.params;
  // The form's data limit (empty: all images) replaces the source's.
  const sourceDataset = { ...objectOf(source.dataset) };
  delete sourceDataset.limit;
  return {
    ...source,
    ...params,
    // The form has a learning rate but no optimizer choice (it sends adam): a clone keeps the source's.
    optimizer: {
      ...objectOf(params.optimizer),
      ...objectOf(source.optimizer),
      learningRate: objectOf(params.optimizer).learningRate,
    },
    earlyStopping:
      params.earlyStopping === false
        ? false
        : { ...objectOf(source.earlyStopping), ...objectOf(params.earlyStopping) },
    dataset: { ...sourceDataset, ...objectOf(params.dataset) },
  };
}

/** `name` and `tags` for the request body; left out when empty. */
export function runFields(form: HTMLFormElement): { name?: string; tags?: string[] } {
  const name = input(form, 'runName')?.value.trim() ?? '';
  const tags = (input(form, 'runTags')?.value ?? '')
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
  return { ...(name === '' ? {} : { name }), ...(tags.length === 0 ? {} : { tags }) };
}
