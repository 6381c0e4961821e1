import { $, $all, element, errorMessage, pageData, requestJson } from './dom.js';
import { fetchVisualization, showImage } from './visual.js';

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
  hasVisualizations: boolean;
}
interface Progress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  percent: number;
}
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
const progressText = $('#progress-text');
const badge = $('#job-state');
const cancelButton = $<HTMLButtonElement>('#cancel-job');
const jobError = $('#job-error');
let state = data.state;
let epochs = data.epochs;

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
  if (data.type !== 'train') {
    progressText.textContent = state;
  } else if (progress !== null) {
    progressText.textContent = `epoch ${progress.epoch}/${progress.epochs} · batch ${progress.batch}/${progress.batches} · ${Math.round(percent)}%`;
  } else if (state === 'waiting') {
    progressText.textContent = 'waiting for a worker';
  } else if (TERMINAL.has(state)) {
    progressText.textContent = state;
  }
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
      const { state: next, progress } = JSON.parse(event.data) as {
        state: string;
        progress: Progress | null;
      };
      if (TERMINAL.has(next)) return; // the terminal event follows with the whole job
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
      progressText.textContent = 'the live view lost the API; reconnecting…';
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
  else progressText.textContent = 'cancel requested: stopping at the next batch…';
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
  controls.addEventListener('submit', (event) => event.preventDefault());

  const inputQuery = () =>
    upload === undefined ? `sample=${Number(sample.value) || 0}` : `upload=${upload.id}`;

  const showLayered = () => {
    for (const figure of $all('figure[data-layered]')) {
      void showImage(
        figure,
        `${base}/visualizations/${figure.dataset.kind}.png?layer=${layer.value}&weights=${figure.dataset.weights}`,
      );
    }
  };
  const showInput = () => {
    for (const figure of $all('figure[data-input]')) {
      const layerQuery = figure.dataset.layer === undefined ? '' : `&layer=${figure.dataset.layer}`;
      void showImage(
        figure,
        `${base}/visualizations/${figure.dataset.kind}.png?${inputQuery()}${layerQuery}`,
      );
    }
    void showPredictions(inputQuery());
  };
  const showConfusion = () => {
    const figure = document.querySelector<HTMLElement>('figure[data-kind="confusion-matrix"]');
    if (figure !== null) void showImage(figure, `${base}/visualizations/confusion-matrix.png`);
    void showPerClassAccuracy();
  };

  layer.addEventListener('change', showLayered);
  let typing: ReturnType<typeof setTimeout> | undefined;
  sample.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      upload = undefined;
      clearUpload.hidden = true;
      uploadInput.value = '';
      showInput();
    }, 350);
  });
  uploadInput.addEventListener('change', async () => {
    const file = uploadInput.files?.[0];
    if (file === undefined) return;
    vizError.textContent = '';
    const image = await toBase64(file);
    const id = await sendUpload(image);
    if (id === undefined) return;
    upload = { id, image };
    clearUpload.hidden = false;
    showInput();
  });
  clearUpload.addEventListener('click', () => {
    upload = undefined;
    uploadInput.value = '';
    clearUpload.hidden = true;
    showInput();
  });
  // An upload the server forgot (it restarted): send it again, then ask again.
  document.addEventListener(
    'visualization-error',
    async (event) => {
      const code = (event as CustomEvent<{ error?: { code?: string } }>).detail.error?.code;
      if (code !== 'UPLOAD_NOT_FOUND' || upload === undefined) return;
      const id = await sendUpload(upload.image);
      if (id !== undefined) showInput();
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
      vizError.textContent = errorMessage(answer.body, answer.status);
      return undefined;
    }
    return answer.body.upload;
  }

  showLayered();
  showInput();
  showConfusion();
}

async function toBase64(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

async function showPredictions(inputQuery: string): Promise<void> {
  const list = $('#predictions');
  const status = $('#predictions-status');
  status.textContent = 'computing…';
  try {
    const answer = await fetchVisualization<{ manifest: Manifest }>(
      list,
      `${base}/visualizations/predictions.json?${inputQuery}`,
    );
    if (answer === undefined) return;
    const { predictions = [], input } = answer.manifest;
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
if (!TERMINAL.has(state)) follow();
initVisualizations();
