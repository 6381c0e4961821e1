import { element, errorMessage, sleep, type ErrorBody } from './dom.js';

/**
 * Visualizations are computed by workers on demand: their endpoints answer 202 `{ pending }`
 * until the result exists. These helpers poll with a growing delay, show a spinner meanwhile
 * (`pending` class), and drop answers that a newer request for the same figure superseded.
 */

const generations = new WeakMap<Element, number>();

function nextGeneration(target: Element): () => boolean {
  const generation = (generations.get(target) ?? 0) + 1;
  generations.set(target, generation);
  return () => generations.get(target) === generation;
}

/** Polls `url` until it answers something other than 202; undefined when superseded. */
async function poll(url: string, current: () => boolean): Promise<Response | undefined> {
  let delay = 400;
  for (;;) {
    const response = await fetch(url, { headers: { accept: 'image/png,application/json' } });
    if (!current()) return undefined;
    if (response.status !== 202) return response;
    await sleep(delay);
    if (!current()) return undefined;
    delay = Math.min(delay * 1.5, 2_500);
  }
}

function statusOf(figure: HTMLElement): HTMLElement {
  const caption = figure.querySelector('figcaption') ?? figure.appendChild(element('figcaption'));
  let status = caption.querySelector<HTMLElement>('.status');
  if (status === null) {
    status = element('span', { class: 'status' });
    caption.append(' ', status);
  }
  return status;
}

function loadImage(img: HTMLImageElement, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    img.onload = () => resolve();
    img.onerror = () => reject(new Error('the image did not load'));
    img.src = url;
  });
}

/** Shows the PNG at `url` in the figure's <img>, once the server has it. */
export async function showImage(figure: HTMLElement, url: string): Promise<void> {
  const img = figure.querySelector('img');
  if (img === null) return;
  const current = nextGeneration(figure);
  const status = statusOf(figure);
  figure.classList.remove('failed');
  figure.classList.add('pending');
  status.textContent = '';
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const response = await poll(url, current);
      if (response === undefined) return;
      if (!response.ok) {
        const body = (await response.json().catch(() => ({}))) as ErrorBody;
        if (!current()) return;
        figure.classList.replace('pending', 'failed');
        status.textContent = `— ${errorMessage(body, response.status)}`;
        figure.dispatchEvent(new CustomEvent('visualization-error', { detail: body }));
        return;
      }
      await response.arrayBuffer(); // now in the HTTP cache, where the <img> finds it
      if (!current()) return;
      await loadImage(img, url);
      if (!current()) return;
      img.closest('a.zoom')?.setAttribute('href', url);
      figure.classList.remove('pending');
      return;
    } catch {
      // The result changed between the check and the load (a newer best model): ask again.
      if (!current()) return;
    }
  }
  figure.classList.replace('pending', 'failed');
  status.textContent = '— the image did not load';
}

/** JSON of a visualization (a manifest); undefined when superseded, throws the server's error. */
export async function fetchVisualization<T>(target: Element, url: string): Promise<T | undefined> {
  const current = nextGeneration(target);
  const response = await poll(url, current);
  if (response === undefined) return undefined;
  const body = (await response.json().catch(() => ({}))) as T & ErrorBody;
  if (!current()) return undefined;
  if (!response.ok) throw new Error(errorMessage(body, response.status));
  return body;
}
