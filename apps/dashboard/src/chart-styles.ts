import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** uPlot's own style sheet, as installed (the pages' CSP allows style sheets from 'self' only). */
const UPLOT_CSS = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');

/**
 * Styles of the interactive charts, the misclassified grid, the image pickers, the distributions
 * view and the compare page's tables; appended to /static/style.css.
 */
export const CHART_STYLES = `
${UPLOT_CSS}
.chart-panel { display: grid; gap: .5rem; min-width: 0; }
.chart-controls { display: flex; flex-wrap: wrap; gap: .5rem 1.25rem; align-items: center; font-size: .85rem; }
.chart-controls label { display: flex; align-items: center; gap: .4rem; color: var(--muted); }
.chart-controls input[type=range] { width: 9rem; padding: 0; }
.chart-controls output { font-variant-numeric: tabular-nums; min-width: 2.5rem; }
.charts { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(min(100%, 460px), 1fr)); }
.chart { min-width: 0; overflow: hidden; }
.chart .u-legend { font-size: .8rem; text-align: left; }
.chart .u-legend .u-value { font-variant-numeric: tabular-nums; }
.chart-title { font-size: .9rem; font-weight: 600; margin: 0; }
details.static-images summary { cursor: pointer; color: var(--muted); font-size: .85rem; }
.downloads-inline { font-size: .85rem; }
.downloads-inline a { margin-right: .6rem; }
.picker { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; }
.mistakes { display: grid; gap: .6rem; grid-template-columns: repeat(auto-fill, minmax(110px, 1fr)); margin-top: .5rem; }
.mistake { margin: 0; display: grid; gap: .15rem; justify-items: center; font-size: .75rem; border: 1px solid var(--line); border-radius: 6px; padding: .35rem; background: #fff; cursor: pointer; text-align: center; }
.mistake:hover, .mistake:focus { border-color: var(--accent); }
.mistake img { width: 100px; height: 100px; image-rendering: pixelated; border: 0; }
.mistake .truth { color: var(--ok); font-weight: 600; }
.mistake .guess { color: var(--bad); }
.diff-table td.differs, .diff-table th.differs { background: #fff6d6; }
.diff-table td { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85rem; }
.side-by-side { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(min(100%, 320px), 1fr)); align-items: start; }
.run-swatch { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; margin-right: .35rem; vertical-align: -1px; }
`;
