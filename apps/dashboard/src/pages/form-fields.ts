import { MODEL_PRESETS } from '@convoy/schemas';
import type { NumberBounds } from '../field-bounds.js';
import { html, type SafeHtml } from '../html.js';

/** The fields a job form is made of, with the bounds (by zod path) its hints and checks use. */
export interface FormFields {
  /**
   * A labelled input with the slot its error (by zod path) is shown in, and a hint with the
   * field's bounds when the schema has them.
   */
  field(label: string, path: string, input: SafeHtml, hint?: string): SafeHtml;
  /**
   * A number field as text with a numeric keyboard: an `<input type=number>` would report `abc` as
   * an empty value (and Chromium refuses some keys outright), so the form could not say what is
   * wrong with what was typed.
   */
  numberInput(name: string, path: string, value: string, label?: string): SafeHtml;
  /** The run's name and tags, as both forms ask for them. */
  nameAndTags(tagsPlaceholder: string): SafeHtml;
  /** A radio button per model preset, the first checked, in the group `name`. */
  presetChoices(name: string): SafeHtml;
}

export function formFields(bounds: Readonly<Record<string, NumberBounds>>): FormFields {
  const field: FormFields['field'] = (label, path, input, hint) => {
    const hints = [hint, bounds[path]?.hint].filter(Boolean).join(', ');
    return html`<label>
      <span>${label}${hints ? html` <span class="small field-hint">(${hints})</span>` : ''}</span>
      ${input}
      <span class="field-error" data-error-for="${path}" data-label="${label}"></span>
    </label>`;
  };
  return {
    field,
    numberInput: (name, path, value, label) =>
      html`<input
        name="${name}"
        id="field-${name}"
        data-path="${path}"
        ${label === undefined ? '' : html`data-label="${label}"`}
        type="text"
        value="${value}"
        inputmode="${bounds[path]?.integer ? 'numeric' : 'decimal'}"
        autocomplete="off"
        spellcheck="false"
      />`,
    presetChoices: (name) =>
      html`${MODEL_PRESETS.map(
        (preset, index) =>
          html`<label class="inline"
            ><input type="radio" name="${name}" value="${preset}" ${index === 0 ? 'checked' : ''} />
            preset <code>${preset}</code></label
          >`,
      )}`,
    nameAndTags: (tagsPlaceholder) =>
      html`${field(
        'Name',
        'name',
        html`<input name="runName" id="field-runName" data-path="name" maxlength="100" />`,
        'optional',
      )}
      ${field(
        'Tags',
        'tags',
        html`<input
          name="runTags"
          id="field-runTags"
          data-path="tags"
          placeholder="${tagsPlaceholder}"
        />`,
        'comma-separated',
      )}`,
  };
}
