import {
  DEFAULT_RANDOM_TRIALS,
  MAX_SWEEP_DIMENSIONS,
  MAX_SWEEP_TRIALS,
  MODEL_PRESETS,
  TRAINING_METRICS,
} from '@convoy/schemas';
import { sweepFieldBounds } from '../field-bounds.js';
import { html } from '../html.js';
import { formFields } from './form-fields.js';
import { renderPage } from './layout.js';

/** The number fields' bounds, read once from the API's schemas. */
const FIELD_BOUNDS = sweepFieldBounds();
const { field, numberInput, nameAndTags, presetChoices } = formFields(FIELD_BOUNDS);

/** Param paths offered for a dimension (any other path can be typed). */
export const COMMON_SWEEP_PATHS: readonly { readonly path: string; readonly hint: string }[] = [
  { path: 'model.preset', hint: MODEL_PRESETS.join(', ') },
  { path: 'optimizer.learningRate', hint: '0.001, 0.0003' },
  { path: 'optimizer.name', hint: 'adam, sgd, rmsprop' },
  { path: 'batchSize', hint: '32, 64, 128' },
  { path: 'epochs', hint: '5, 10' },
  { path: 'validationSplit', hint: '0.1, 0.2' },
  { path: 'seed', hint: '1, 2, 3' },
  { path: 'dataset.limit', hint: '6000, 12000' },
  { path: 'model.layers[0].filters', hint: "the cnn preset's first conv layer: 16, 32, 64" },
  { path: 'model.layers[2].filters', hint: 'its second conv layer: 32, 64' },
  { path: 'model.layers[5].units', hint: 'its dense layer: 64, 100, 128' },
  { path: 'model.layers[6].rate', hint: 'its dropout: 0.2, 0.4, 0.5' },
  { path: 'earlyStopping.patience', hint: '1, 2, 3' },
];

const numberField = (label: string, name: string, path: string, value: string, hint?: string) =>
  field(label, path, numberInput(name, path, value, label), hint);

/**
 * The sweep form (`/sweeps/new`): the base training params (as the training form has them), the
 * search (grid or random, its dimensions added and removed, the random search's trials), the
 * metric and its goal, how many trials at once, early termination, name and tags; a live count of
 * the trials it makes. The browser checks the number fields against the API's bounds; the API's
 * 400 (a bad value, or a trial named with its values) is shown beside the fields its paths name.
 */
export function renderSweepFormPage(): string {
  return renderPage(
    {
      title: 'New sweep',
      section: 'sweep',
      script: 'sweep-form',
      data: {
        bounds: FIELD_BOUNDS,
        maxTrials: MAX_SWEEP_TRIALS,
        maxDimensions: MAX_SWEEP_DIMENSIONS,
        defaultTrials: DEFAULT_RANDOM_TRIALS,
      },
    },
    html`<div class="page-head"><h1>New sweep</h1></div>
      <p class="small muted">
        A sweep trains one model many times over a search space: every combination of the values you
        list (grid), or random draws from them. Each trial is a training job of its own; the sweep
        ranks them by a metric. For a single run, use the
        <a href="/jobs/new">training form</a>.
      </p>
      <form id="sweep-form" class="card stack" novalidate>
        <div class="form-errors" id="form-errors" role="alert" tabindex="-1"></div>
        <fieldset>
          <legend>Sweep</legend>
          <div class="fields">${nameAndTags('lr-search')}</div>
        </fieldset>
        <fieldset>
          <legend>Base training params (every trial starts from these)</legend>
          <div class="controls">${presetChoices('preset')}</div>
          <span class="field-error" data-error-for="params.base.model"></span>
          <div class="fields">
            ${numberField('Epochs', 'epochs', 'params.base.epochs', '10')}
            ${numberField('Batch size', 'batchSize', 'params.base.batchSize', '32')}
            ${numberField('Validation split', 'validationSplit', 'params.base.validationSplit', '0.2')}
            <label>
              <span>Optimizer</span>
              <select name="optimizer" id="field-optimizer" data-path="params.base.optimizer.name">
                ${['adam', 'sgd', 'rmsprop'].map((name) => html`<option value="${name}">${name}</option>`)}
              </select>
              <span class="field-error" data-error-for="params.base.optimizer.name"></span>
            </label>
            ${numberField(
              'Learning rate',
              'learningRate',
              'params.base.optimizer.learningRate',
              '0.001',
            )}
            ${numberField('Seed', 'seed', 'params.base.seed', '42')}
            ${field(
              'Data limit',
              'params.base.dataset.limit',
              html`<input
                name="limit"
                id="field-limit"
                data-path="params.base.dataset.limit"
                data-label="Data limit"
                type="text"
                inputmode="numeric"
                autocomplete="off"
                placeholder="all 60,000"
              />`,
              'training images',
            )}
          </div>
          <div class="fields">
            <label class="inline"
              ><input type="checkbox" name="earlyStopping" id="field-earlyStopping" checked /> early
              stopping on val_loss</label
            >
            ${numberField('Patience', 'patience', 'params.base.earlyStopping.patience', '2', 'epochs')}
          </div>
          <span class="field-error" data-error-for="params.base"></span>
        </fieldset>
        <fieldset>
          <legend>Search</legend>
          <div class="controls">
            <label class="inline"
              ><input type="radio" name="method" value="grid" checked /> grid: every
              combination</label
            >
            <label class="inline"
              ><input type="radio" name="method" value="random" /> random: draws from the values or
              ranges</label
            >
          </div>
          <div class="fields" id="random-fields" hidden>
            ${numberField('Trials', 'trials', 'params.trials', '', 'default 10')}
            ${numberField('Sampler seed', 'samplerSeed', 'params.seed', '0')}
          </div>
          <datalist id="sweep-paths">
            ${COMMON_SWEEP_PATHS.map(
              (entry) => html`<option value="${entry.path}">${entry.hint}</option>`,
            )}
          </datalist>
          <div class="table-wrap dimension-wrap">
            <table class="dimension-table">
              <colgroup>
                <col class="dimension-col-path" />
                <col class="dimension-col-kind" />
                <col />
                <col class="dimension-col-actions" />
              </colgroup>
              <thead>
                <tr>
                  <th>Param path</th>
                  <th>Kind</th>
                  <th>Values</th>
                  <th><span class="visually-hidden">Actions</span></th>
                </tr>
              </thead>
              <tbody id="dimension-rows"></tbody>
            </table>
          </div>
          <p class="small muted">
            A path is dotted names and [index] steps: <code>optimizer.learningRate</code>,
            <code>model.layers[0].filters</code> (a path into a preset's layers varies that preset's
            layer list). Values are a comma list (numbers, text, true/false); random search also
            takes a range to sample.
          </p>
          <span class="field-error" data-error-for="params.parameters"></span>
          <p><button type="button" id="add-dimension">Add dimension</button></p>
          <p class="trial-preview" id="trial-preview" role="status" aria-live="polite"></p>
        </fieldset>
        <fieldset>
          <legend>Ranking and scheduling</legend>
          <div class="fields">
            <label>
              <span>Metric</span>
              <select name="metric" id="field-metric" data-path="params.metric.name">
                ${['val_loss', 'val_accuracy', 'loss', 'accuracy']
                  .filter((name) => (TRAINING_METRICS as readonly string[]).includes(name))
                  .map((name) => html`<option value="${name}">${name}</option>`)}
              </select>
              <span class="field-error" data-error-for="params.metric.name"></span>
            </label>
            <label>
              <span>Goal</span>
              <select name="goal" id="field-goal" data-path="params.metric.goal">
                <option value="">the metric's own (minimize losses)</option>
                <option value="minimize">minimize</option>
                <option value="maximize">maximize</option>
              </select>
              <span class="field-error" data-error-for="params.metric"></span>
            </label>
            ${numberField(
              'Trials at once',
              'maxConcurrent',
              'params.maxConcurrent',
              '',
              'empty: as many as workers take',
            )}
          </div>
          <div class="controls">
            <span>Early termination:</span>
            <label class="inline"
              ><input type="radio" name="earlyTermination" value="none" checked /> none</label
            >
            <label class="inline"
              ><input type="radio" name="earlyTermination" value="median" /> median stopping</label
            >
            <label class="inline"
              ><input type="radio" name="earlyTermination" value="asha" /> ASHA (successive
              halving)</label
            >
          </div>
          <div class="fields" id="median-fields" hidden>
            ${numberField('Grace epochs', 'graceEpochs', 'params.earlyTermination.graceEpochs', '1')}
            ${numberField('Min trials', 'minTrials', 'params.earlyTermination.minTrials', '3')}
          </div>
          <div class="fields" id="asha-fields" hidden>
            ${numberField('Min epochs', 'minEpochs', 'params.earlyTermination.minEpochs', '1')}
            ${numberField(
              'Reduction factor',
              'reductionFactor',
              'params.earlyTermination.reductionFactor',
              '3',
            )}
          </div>
          <span class="field-error" data-error-for="params.earlyTermination"></span>
        </fieldset>
        <span class="field-error" data-error-for="params" data-label="The sweep"></span>
        <div><button type="submit" class="primary" id="submit-sweep">Start sweep</button></div>
      </form>`,
  );
}
