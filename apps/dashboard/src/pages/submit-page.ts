import { MODEL_PRESET_LAYERS } from '@convoy/schemas';
import { layerFieldBounds, trainingFieldBounds } from '../field-bounds.js';
import { html } from '../html.js';
import { formFields } from './form-fields.js';
import { renderPage } from './layout.js';

/** The number fields' bounds, read once from the API's schemas. */
const FIELD_BOUNDS = trainingFieldBounds();
const { field, numberInput, nameAndTags, presetChoices } = formFields(FIELD_BOUNDS);

/** The run a clone starts from (`/jobs/new?from=<id>`): its parameters fill the form. */
export interface CloneSource {
  readonly id: string;
  readonly params: unknown;
  readonly name: string | null;
  readonly tags: readonly string[];
}

/**
 * The training form. The browser first checks the number fields against the bounds the API's
 * schemas give (sent as page data; the browser's own validation is off, `novalidate`), then the
 * API validates the rest: its 400's `details` are shown next to the fields their zod paths name
 * (client/submit.ts maps `params.model.layers.2.units` to row 2's units field).
 */
export function renderSubmitPage(from?: CloneSource): string {
  return renderPage(
    {
      title: 'New training job',
      section: 'submit',
      script: 'submit',
      data: {
        presets: MODEL_PRESET_LAYERS,
        bounds: FIELD_BOUNDS,
        layerBounds: layerFieldBounds(),
        from,
      },
    },
    html`<div class="page-head">
        <h1>New training job</h1>
        <span class="spacer"></span>
        <a class="button" href="/sweeps/new" id="sweep-link">Sweep parameters instead</a>
      </div>
      ${
        from === undefined
          ? ''
          : html`<p class="notice" id="clone-notice">
              Parameters of run <a href="/jobs/${from.id}" class="mono">${from.name ?? from.id}</a>;
              change what you like and start it as a new run.
            </p>`
      }
      <form id="train-form" class="card stack" novalidate>
        <div class="form-errors" id="form-errors" role="alert" tabindex="-1"></div>
        <fieldset>
          <legend>Run</legend>
          <div class="fields">${nameAndTags('baseline, sweep-1')}</div>
        </fieldset>
        <fieldset>
          <legend>Model</legend>
          <div class="controls">
            ${presetChoices('model-mode')}
            <label class="inline"
              ><input type="radio" name="model-mode" value="custom" /> custom layers</label
            >
          </div>
          <span class="field-error" data-error-for="params.model"></span>
          <div id="layer-editor" hidden>
            <p class="small muted">
              Input 28×28×1; the last layer must be a dense layer of 10 units with softmax.
              <button type="button" id="load-preset">Start from the <code>cnn</code> preset</button>
            </p>
            <span class="field-error" data-error-for="params.model.layers"></span>
            <div class="table-wrap">
              <table class="layer-table">
                <colgroup>
                  <col class="layer-col-index" />
                  <col class="layer-col-type" />
                  <col />
                  <col class="layer-col-actions" />
                </colgroup>
                <thead>
                  <tr>
                    <th>#</th>
                    <th>Layer</th>
                    <th>Settings</th>
                    <th><span class="visually-hidden">Actions</span></th>
                  </tr>
                </thead>
                <tbody id="layer-rows"></tbody>
              </table>
            </div>
            <p><button type="button" id="add-layer">Add layer</button></p>
          </div>
        </fieldset>
        <fieldset>
          <legend>Training</legend>
          <div class="fields">
            ${field('Epochs', 'params.epochs', numberInput('epochs', 'params.epochs', '10'))}
            ${field('Batch size', 'params.batchSize', numberInput('batchSize', 'params.batchSize', '32'))}
            ${field(
              'Validation split',
              'params.validationSplit',
              numberInput('validationSplit', 'params.validationSplit', '0.2'),
            )}
            ${field(
              'Learning rate',
              'params.optimizer.learningRate',
              numberInput('learningRate', 'params.optimizer.learningRate', '0.001'),
              'adam',
            )}
            ${field('Seed', 'params.seed', numberInput('seed', 'params.seed', '42'))}
            ${field(
              'Data limit',
              'params.dataset.limit',
              html`<input
                name="limit"
                id="field-limit"
                data-path="params.dataset.limit"
                type="text"
                inputmode="numeric"
                autocomplete="off"
                placeholder="all 60,000"
              />`,
              'training images',
            )}
          </div>
        </fieldset>
        <fieldset>
          <legend>Early stopping</legend>
          <div class="fields">
            <label class="inline"
              ><input type="checkbox" name="earlyStopping" id="field-earlyStopping" checked /> stop
              when val_loss stops improving (best weights restored)</label
            >
            ${field(
              'Patience',
              'params.earlyStopping.patience',
              numberInput('patience', 'params.earlyStopping.patience', '2'),
              'epochs',
            )}
          </div>
          <span class="field-error" data-error-for="params.earlyStopping"></span>
        </fieldset>
        <div><button type="submit" class="primary" id="submit-job">Start training</button></div>
      </form>`,
  );
}
