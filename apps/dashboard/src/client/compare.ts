import { $, $all } from './dom.js';
import './legible-images.js';
import { showImage } from './visual.js';

/** The compare page: the n-th conv layer of each run (filters, feature maps of one test image). */
const conv = $<HTMLSelectElement>('#compare-conv');
const sample = $<HTMLInputElement>('#compare-sample');

function refresh(): void {
  const ordinal = Number(conv.value) || 0;
  const index = Number(sample.value) || 0;
  for (const figure of $all('.runs figure.viz')) {
    const layers = (figure.dataset.convLayers ?? '').split(',').filter(Boolean).map(Number);
    const layer = layers[ordinal];
    const img = figure.querySelector('img');
    if (layer === undefined) {
      figure.classList.add('failed');
      if (img) img.removeAttribute('src');
      const caption = figure.querySelector('figcaption');
      if (caption) caption.textContent = 'this model has no such conv layer';
      continue;
    }
    const kind = figure.dataset.kind;
    const query = kind === 'filters' ? `layer=${layer}` : `layer=${layer}&sample=${index}`;
    void showImage(figure, `/jobs/${figure.dataset.job}/visualizations/${kind}.png?${query}`);
  }
}

conv.addEventListener('change', refresh);
let typing: ReturnType<typeof setTimeout> | undefined;
sample.addEventListener('input', () => {
  clearTimeout(typing);
  typing = setTimeout(refresh, 350);
});
refresh();
