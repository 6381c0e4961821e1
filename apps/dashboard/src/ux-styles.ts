/**
 * Styles for the form's errors, accessibility and phone widths, appended to the style sheet
 * (styles.ts): kept apart so the base sheet stays readable.
 */
export const UX_STYLES = `
.visually-hidden { position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.skip-link { position: absolute; left: .75rem; top: -3rem; z-index: 10; background: #fff; color: var(--accent); padding: .5rem .9rem; border-radius: 6px; box-shadow: 0 2px 8px rgba(16, 24, 40, .25); font-weight: 600; }
.skip-link:focus { top: .5rem; }
main:focus { outline: none; }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
.field-hint { color: var(--muted); font-weight: 400; }
[aria-invalid="true"] { border-color: var(--bad); background: #fff8f8; }
.form-errors ul { margin: .25rem 0 0; padding-left: 1.25rem; }
.form-errors a { color: var(--bad); text-decoration: underline; }
.form-errors:focus { outline: none; }

/* The layer editor keeps its columns when an error appears: fixed widths, errors on a line below. */
.layer-table { table-layout: fixed; min-width: 40rem; }
.layer-table .layer-col-index { width: 2.5rem; }
.layer-table .layer-col-type { width: 10.5rem; }
.layer-table .layer-col-actions { width: 11.5rem; }
.layer-table .layer-actions { white-space: nowrap; }
.layer-table .layer-actions button { padding: .4rem .55rem; }
.layer-table tr.layer-row:has(+ tr.row-errors:not([hidden])) td { border-bottom: 0; }
.layer-table tr.row-errors td { padding-top: 0; }
.layer-table .field-error { overflow-wrap: anywhere; }

/* Results of the previous input, greyed until the new ones arrive. */
.stale { opacity: .35; filter: grayscale(1); transition: opacity .15s; }
.upload-offer { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }

/* Trained and untrained: each figure says which it is, above the fold of the other. */
.versus figcaption { font-weight: 600; color: var(--text); }

@media (max-width: 640px) {
  .card { padding: .75rem .6rem; }
  h1 { font-size: 1.2rem; overflow-wrap: anywhere; }

  /* The job list as cards: every value under its column's name, nothing cut off. */
  table.jobs thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.jobs, table.jobs tbody { display: block; }
  table.jobs tr { position: relative; display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: .35rem .75rem; padding: .65rem .2rem; border-bottom: 1px solid var(--line); }
  table.jobs td, table.jobs td.hide-narrow { display: block; border: 0; padding: 0; text-align: left; min-width: 0; overflow-wrap: anywhere; }
  table.jobs td.pick:not(:has(input)) { display: none; }
  table.jobs td.pick { position: absolute; top: .65rem; right: .2rem; }
  table.jobs td.job-cell, table.jobs td.progress-cell, table.jobs td.empty { grid-column: 1 / -1; }
  table.jobs td[data-label]::before { content: attr(data-label); display: block; font-size: .7rem; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
  table.jobs td.job-cell { padding-right: 2rem; }

  /* The epoch table keeps every column on screen (val_accuracy above all): tighter cells. */
  #history table th, #history table td { padding: .3rem .2rem; font-size: .78rem; }
  #history table th { letter-spacing: 0; text-transform: none; font-size: .7rem; white-space: nowrap; }
  #summary-table th, #summary-table td { padding: .3rem .25rem; font-size: .8rem; }
  #summary-table th { letter-spacing: 0; text-transform: none; }
  #summary-table td:nth-child(2) code { white-space: nowrap; }

  /* Images keep a legible scale (legible-images.ts) and scroll sideways inside their figure. */
  figure a.zoom, figure.curve { max-width: 100%; overflow-x: auto; }
  figure img { min-width: calc(var(--natural-width, 0px) * .75); }
  figure.curve figcaption { position: sticky; left: 0; max-width: calc(100vw - 3.5rem); }
  figure:not(.pending) a.zoom.scrolls + figcaption::after, figure.curve.scrolls figcaption::after { content: " · scroll sideways for the rest"; font-weight: 400; color: var(--muted); }
  .bars li { grid-template-columns: 6.5rem 1fr 3.2rem; }
}
`;
