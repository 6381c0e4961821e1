import { $all } from './dom.js';

/**
 * The visualization panel's words that follow its controls: each image's alt names what it shows
 * (`Filters of conv2d_1, untrained`, `Feature maps of conv2d for test image 9300`), and results
 * of the previous input are greyed (`stale`) until the new ones arrive.
 */

/** The selected conv layer's name in the alts of the layered figures. */
export function labelLayeredFigures(layerName: string): void {
  for (const figure of $all('figure[data-layered][data-subject]')) {
    const img = figure.querySelector('img');
    img?.setAttribute(
      'alt',
      `${figure.dataset.subject} of ${layerName}, ${figure.dataset.weights}`,
    );
  }
}

/** `test image 9300` or `the uploaded image`, in the alts of the figures of the input. */
export function labelInputFigures(input: string): void {
  for (const figure of $all('figure[data-input][data-subject]')) {
    const img = figure.querySelector('img');
    const subject = figure.dataset.subject ?? '';
    img?.setAttribute(
      'alt',
      figure.dataset.kind === 'input' ? `${subject}: ${input}` : `${subject} for ${input}`,
    );
  }
}

/** Greys (or restores) the results that belong to the previous input. */
export function markStale(elements: readonly Element[], stale: boolean): void {
  for (const element of elements) {
    element.classList.toggle('stale', stale);
    if (stale) element.setAttribute('aria-busy', 'true');
    else element.removeAttribute('aria-busy');
  }
}
