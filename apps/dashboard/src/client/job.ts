import { $, $all, element, errorMessage, pageData, requestJson } from './dom.js';
import {
  checkpointWatcher,
  progressText,
  showBackend,
  startDurationClock,
  type LiveProgress,
  type Stage,
} from './live-detail.js';
import './legible-images.js';
import { base64Of, resizeToGrayscale, uploadProblem } from './upload-image.js';
import { fetchVisualization, showImage } from './visual.js';
import { labelInputFigures, labelLayeredFigures, markStale } from './viz-text.js';

/**
 * A job's page: live state, progress and learning curves from the job's event stream (proxied
 * SSE), parts of the page re-rendered by the server as the job moves on, cancel, and the panel of
 * visualizations (filters, histograms, feature maps, predictions, confusion matrix).
 */

interface PageData {
  id: string;
  type: 'train' | 'visualize';
  state: string;
  epochs: number;
  progress: Progress | null;
  stage: Stage | null;
  checkpointVersion: string | null;
  hasVisualizations: boolean;
}
type Progress = LiveProgress;
interface JobViewEvent {
  state: string;
  progress: Progress | null;
  history: unknown[];
  error: { message: string } | null;
}

const data = pageData<PageData>();
const base = `/jobs/${data.id}`;
// TERMINAL_JOB_STATES of @convoy/schemas: the browser loads these scripts unbundled, as modules
// from /static, where a package (and zod behind it) cannot be imported.
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
const progressBar = $<HTMLProgressElement>('#job-progress');
const progressLine = $('#progress-text');
const badge = $('#job-state');
const cancelButton = $<HTMLButtonElement>('#cancel-job');
const jobError = $('#job-error');
let state = data.state;
let epochs = data.epochs;
let stage = data.stage;
let lastProgress = data.progress;
/** Draws every picture of the visualization panel again (set once the panel is ready). */
let refreshVisualizations: () => void = () => undefined;
// The panel's pictures again, or the panel itself when the page opened before the first checkpoint.
const checkCheckpoint = checkpointWatcher(base, data.checkpointVersion, () => {
  if (document.querySelector('#viz-controls') !== null) refreshVisualizations();
  else void refreshFragment('visualizations').then(initVisualizations);
});

function setState(next: string): void {
  state = next;
  badge.textContent = next;
  badge.className = `badge state-${next}`;
  cancelButton.hidden = TERMINAL.has(next);
}

function setProgress(progress: Progress | null): void {
  const percent = state === 'completed' ? 100 : (progress?.percent ?? Number(progressBar.value));
  progressBar.value = percent;
  progressBar.classList.toggle('done', state === 'completed');
  if (progress !== null) lastProgress = progress;
  progressLine.textContent =
    data.type === 'train' ? progressText(state, lastProgress, stage) : state;
}

/** Re-renders one section of the page on the server. */
async function refreshFragment(name: string): Promise<void> {
  const section = document.querySelector(`[data-fragment="${name}"] .fragment-body`);
  if (section === null) return;
  const response = await fetch(`${base}/fragments/${name}`);
  if (response.ok) section.innerHTML = await response.text();
}

function showCurves(count: number): void {
  if (count === 0) return;
  $('#curves-empty').hidden = true;
  for (const metric of ['loss', 'accuracy']) {
    const img = $<HTMLImageElement>(`#curves-${metric}`);
    const figure = img.closest('figure');
    if (figure) figure.hidden = false;
    // A new URL per epoch: the server renders the chart again from history.json.
    img.src = `${base}/curves.png?metric=${metric}&epochs=${count}`;
  }
}

let modelShown = document.querySelector('#summary-table') !== null;
async function showModelOnce(): Promise<void> {
  if (modelShown) return;
  modelShown = true;
  await Promise.all([refreshFragment('model'), refreshFragment('facts')]);
  modelShown = document.querySelector('#summary-table') !== null;
}

async function finish(view: JobViewEvent): Promise<void> {
  setState(view.state);
  setProgress(view.progress);
  if (view.error) jobError.textContent = view.error.message;
  epochs = Math.max(epochs, view.history.length);
  showCurves(epochs);
  modelShown = false;
  await Promise.all(
    ['facts', 'history', 'model', 'visualizations'].map((name) => refreshFragment(name)),
  );
  initVisualizations();
}

/** The longest wait before the page opens a new event stream after the API was unreachable. */
const MAX_REOPEN_DELAY_MS = 30_000;

/**
 * Follows the job's event stream from the epochs the page was rendered with: every event has an
 * id, so the API first sends the epochs finished since. A stream that drops is reopened by
 * EventSource itself with `Last-Event-ID`; one that fails (the dashboard answers 502 while the API
 * restarts) is given up by EventSource, so the page opens a new one that resumes after the last
 * event it had (`?lastEventId=`), with a growing delay.
 */
function follow(): void {
  let lastEventId = String(data.epochs);
  let failures = 0;
  let finished = false;
  const seen = (event: Event) => {
    const { lastEventId: id } = event as MessageEvent<string>;
    if (id !== '') lastEventId = id;
    failures = 0;
  };
  const open = () => {
    const source = new EventSource(
      `/api/jobs/${data.id}/events?lastEventId=${encodeURIComponent(lastEventId)}`,
    );
    source.addEventListener('progress', (event) => {
      seen(event);
      const {
        state: next,
        progress,
        stage: nextStage,
        backend,
        device,
      } = JSON.parse(event.data) as {
        state: string;
        progress: Progress | null;
        stage?: Stage;
        backend?: string;
        device?: string;
      };
      if (TERMINAL.has(next)) return; // the terminal event follows with the whole job
      stage = nextStage ?? stage;
      showBackend(backend, device);
      setState(next);
      setProgress(progress);
      if (next === 'active') void showModelOnce();
    });
    source.addEventListener('epoch', (event) => {
      seen(event);
      const record = JSON.parse(event.data) as { epoch: number };
      epochs = Math.max(epochs, record.epoch);
      showCurves(epochs);
      void refreshFragment('history');
      void refreshFragment('facts');
      void showModelOnce();
      void checkCheckpoint(false);
    });
    for (const name of ['completed', 'failed', 'cancelled']) {
      source.addEventListener(name, (event) => {
        finished = true;
        source.close(); // the stream ends here; EventSource would otherwise reconnect
        void finish(JSON.parse((event as MessageEvent<string>).data) as JobViewEvent);
      });
    }
    source.addEventListener('error', () => {
      if (finished || source.readyState !== EventSource.CLOSED) return;
      failures += 1;
      progressLine.textContent = 'the live view lost the API; reconnecting…';
      setTimeout(open, Math.min(MAX_REOPEN_DELAY_MS, 1_000 * 2 ** (failures - 1)));
    });
  };
  open();
}

cancelButton.addEventListener('click', async () => {
  // Run management: one click must not end a long run.
  const confirmed = confirm(
    'Cancel this job? It stops at its next batch; its checkpoint is kept, so it can be resumed.',
  );
  if (!confirmed) return;
  cancelButton.disabled = true;
  cancelButton.textContent = 'Cancelling…';
  const answer = await requestJson<{ state: string }>(`/api/jobs/${data.id}`, {
    method: 'DELETE',
  });
  if (!answer.ok) {
    jobError.textContent = errorMessage(answer.body, answer.status);
    cancelButton.disabled = false;
    cancelButton.textContent = 'Cancel';
    return;
  }
  // A waiting job is gone at once; an active one stops at its next batch (the stream says when).
  if (answer.body.state === 'cancelled') setState('cancelled');
  else progressLine.textContent = 'cancel requested: stopping at the next batch…';
});

// ---- Visualizations ----

interface Prediction {
  classIndex: number;
  className: string;
  probability: number;
}
interface Manifest {
  predictions?: Prediction[];
  input?: { source: string; label?: number; className?: string; sample?: number };
  confusion?: { classNames: string[]; perClassAccuracy: (number | null)[]; accuracy: number };
}

let upload: { id: string; image: string } | undefined;

function initVisualizations(): void {
  const controls = document.querySelector<HTMLFormElement>('#viz-controls');
  if (controls === null || controls.dataset.ready === 'true') return;
  controls.dataset.ready = 'true';
  const layer = $<HTMLSelectElement>('#viz-layer', controls);
  const sample = $<HTMLInputElement>('#viz-sample', controls);
  const uploadInput = $<HTMLInputElement>('#viz-upload', controls);
  const clearUpload = $<HTMLButtonElement>('#viz-clear-upload', controls);
  const vizError = $('#viz-error', controls);
  const uploadProblemBox = $('#viz-upload-problem', controls);
  const resize = $<HTMLButtonElement>('#viz-resize', controls);
  const sampleField = $('#viz-sample-field', controls);
  const side = Number(uploadInput.dataset.size ?? 28);
  controls.addEventListener('submit', (event) => event.preventDefault());

  const inputQuery = () =>
    upload === undefined ? `sample=${Number(sample.value) || 0}` : `upload=${upload.id}`;
  const inputText = () =>
    upload === undefined ? `test image ${Number(sample.value) || 0}` : 'the uploaded image';
  /** What shows the current input: its figures and the prediction bars. */
  const inputResults = () => [...$all('figure[data-input]'), $('#predictions')];
  const showUploadProblem = (message: string, offerResize: boolean) => {
    vizError.textContent = message;
    resize.hidden = !offerResize;
    uploadProblemBox.hidden = message === '';
  };
  /** While an upload is in use the test image's number means nothing: it is hidden. */
  const useUpload = (next: typeof upload) => {
    upload = next;
    clearUpload.hidden = next === undefined;
    sampleField.hidden = next !== undefined;
    if (next === undefined) uploadInput.value = '';
  };

  const showLayered = () => {
    // The option reads `2: conv2d_1 (None, 14, 14, 64)`.
    const name = /^\s*\d+:\s*(\S+)/.exec(layer.selectedOptions[0]?.textContent ?? '')?.[1];
    labelLayeredFigures(name ?? `layer ${layer.value}`);
    for (const figure of $all('figure[data-layered]')) {
      void showImage(
        figure,
        `${base}/visualizations/${figure.dataset.kind}.png?layer=${layer.value}&weights=${figure.dataset.weights}`,
      );
    }
  };
  const showInput = () => {
    labelInputFigures(inputText());
    // The figures hide their image while the new one is computed; the bars stay greyed.
    markStale($all('figure[data-input]'), false);
    markStale([$('#predictions')], true);
    for (const figure of $all('figure[data-input]')) {
      const layerQuery = figure.dataset.layer === undefined ? '' : `&layer=${figure.dataset.layer}`;
      void showImage(
        figure,
        `${base}/visualizations/${figure.dataset.kind}.png?${inputQuery()}${layerQuery}`,
      );
    }
    void showPredictions(inputQuery(), inputText());
  };
  const showConfusion = () => {
    const figure = document.querySelector<HTMLElement>('figure[data-kind="confusion-matrix"]');
    if (figure !== null) void showImage(figure, `${base}/visualizations/confusion-matrix.png`);
    void showPerClassAccuracy();
  };

  layer.addEventListener('change', showLayered);
  let typing: ReturnType<typeof setTimeout> | undefined;
  sample.addEventListener('input', () => {
    // At once, not after the typing pause: no result of the last image beside the new number.
    markStale(inputResults(), true);
    clearTimeout(typing);
    typing = setTimeout(() => {
      useUpload(undefined);
      showInput();
    }, 350);
  });
  const sendImage = async (image: string) => {
    const id = await sendUpload(image);
    if (id === undefined) return;
    showUploadProblem('', false);
    useUpload({ id, image });
    showInput();
  };
  uploadInput.addEventListener('change', async () => {
    const file = uploadInput.files?.[0];
    if (file === undefined) return;
    showUploadProblem('', false);
    // Checked here, once, beside the file input: not by every figure after the upload.
    const problem = await uploadProblem(file, side);
    if (problem !== undefined) {
      showUploadProblem(problem, file.type === 'image/png' && !problem.includes('cannot be read'));
      return;
    }
    await sendImage(await base64Of(file));
  });
  resize.addEventListener('click', async () => {
    const file = uploadInput.files?.[0];
    if (file === undefined) return;
    resize.disabled = true;
    try {
      await sendImage(await resizeToGrayscale(file, side));
    } catch (error) {
      showUploadProblem(
        error instanceof Error ? error.message : 'the image could not be resized',
        false,
      );
    } finally {
      resize.disabled = false;
    }
  });
  clearUpload.addEventListener('click', () => {
    useUpload(undefined);
    showUploadProblem('', false);
    showInput();
  });
  // An upload the server forgot (it restarted): send it again, then ask again.
  document.addEventListener(
    'visualization-error',
    async (event) => {
      const code = (event as CustomEvent<{ error?: { code?: string } }>).detail.error?.code;
      if (code !== 'UPLOAD_NOT_FOUND' || upload === undefined) return;
      const id = await sendUpload(upload.image);
      if (id !== undefined) {
        upload = { ...upload, id };
        showInput();
      }
    },
    true,
  );

  async function sendUpload(image: string): Promise<string | undefined> {
    const answer = await requestJson<{ upload: string }>('/uploads', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ image }),
    });
    if (!answer.ok) {
      showUploadProblem(errorMessage(answer.body, answer.status), false);
      return undefined;
    }
    return answer.body.upload;
  }

  refreshVisualizations = () => {
    showLayered();
    showInput();
    showConfusion();
  };
  refreshVisualizations();
}

async function showPredictions(inputQuery: string, inputText: string): Promise<void> {
  const list = $('#predictions');
  const status = $('#predictions-status');
  status.textContent = `computing the predictions for ${inputText}…`;
  try {
    const answer = await fetchVisualization<{ manifest: Manifest }>(
      list,
      `${base}/visualizations/predictions.json?${inputQuery}`,
    );
    if (answer === undefined) return;
    const { predictions = [], input } = answer.manifest;
    markStale([list], false);
    list.replaceChildren(
      ...predictions.map((prediction, index) =>
        element(
          'li',
          { class: index === 0 ? 'best' : undefined },
          element('span', {}, prediction.className),
          element('progress', {
            max: '1',
            value: String(prediction.probability),
            'aria-label': prediction.className,
          }),
          element('span', { class: 'value' }, `${(prediction.probability * 100).toFixed(1)}%`),
        ),
      ),
    );
    status.textContent =
      input?.source === 'test-set'
        ? `Test image ${input.sample}: true class ${input.className}.`
        : 'Uploaded image.';
  } catch (error) {
    markStale([list], false);
    list.replaceChildren();
    status.textContent = error instanceof Error ? error.message : 'failed';
  }
}

async function showPerClassAccuracy(): Promise<void> {
  const target = $('#per-class');
  target.textContent = 'computing…';
  try {
    const answer = await fetchVisualization<{ manifest: Manifest }>(
      target,
      `${base}/visualizations/confusion-matrix.json`,
    );
    if (answer?.manifest.confusion === undefined) return;
    const { classNames, perClassAccuracy, accuracy } = answer.manifest.confusion;
    target.replaceChildren(
      element(
        'table',
        {},
        element(
          'thead',
          {},
          element(
            'tr',
            {},
            element('th', {}, 'Class'),
            element('th', { class: 'num' }, 'Accuracy'),
          ),
        ),
        element(
          'tbody',
          {},
          ...classNames.map((name, index) => {
            const value = perClassAccuracy[index];
            return element(
              'tr',
              {},
              element('td', {}, name),
              element('td', { class: 'num' }, value == null ? '—' : `${(value * 100).toFixed(1)}%`),
            );
          }),
        ),
        element(
          'tfoot',
          {},
          element(
            'tr',
            {},
            element('td', {}, 'All'),
            element('td', { class: 'num' }, `${(accuracy * 100).toFixed(1)}%`),
          ),
        ),
      ),
    );
  } catch (error) {
    target.textContent = error instanceof Error ? error.message : 'failed';
  }
}

setState(state);
setProgress(null);
if (!TERMINAL.has(state)) {
  follow();
  // A better checkpoint lands after its epoch's event (uploads go on behind training): look again
  // now and then while the job runs.
  const watching = setInterval(() => {
    if (TERMINAL.has(state)) clearInterval(watching);
    else void checkCheckpoint(false);
  }, 3_000);
}
startDurationClock(() => state === 'active');
initVisualizations();
