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
`;
