import { SWEEP_STYLES } from './sweep-styles.js';
import { UX_STYLES } from './ux-styles.js';

/**
 * The dashboard's one style sheet, served at /static/style.css. It lives in a module (not a .css
 * file) so the TypeScript build is the whole build: no copy step, nothing to forget in the image.
 */
export const STYLE_SHEET = `
:root {
  --bg: #f6f7f9; --panel: #fff; --text: #1d2330; --muted: #5f6b7a; --line: #e2e6ec;
  --accent: #2f6fed; --accent-soft: #e8f0ff; --ok: #1f8a4c; --warn: #b7791f; --bad: #c53030;
  --radius: 8px; --shadow: 0 1px 2px rgba(16, 24, 40, .06);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 15px; line-height: 1.45; color: var(--text); background: var(--bg);
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .92em; }
h1 { font-size: 1.45rem; margin: 0; }
h2 { font-size: 1.1rem; margin: 0 0 .75rem; }
h3 { font-size: .95rem; margin: 1.25rem 0 .5rem; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.top { background: #111827; color: #fff; }
.top nav { max-width: 1280px; margin: 0 auto; padding: .7rem 1.25rem; display: flex; gap: 1.25rem; align-items: center; flex-wrap: wrap; }
.top a { color: #cbd5e1; font-weight: 500; }
.top a.current, .top a:hover { color: #fff; text-decoration: none; }
.top .brand { color: #fff; font-weight: 700; letter-spacing: .02em; margin-right: .5rem; }
main { max-width: 1280px; margin: 0 auto; padding: 1.25rem; display: grid; gap: 1rem; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); box-shadow: var(--shadow); padding: 1rem 1.25rem; min-width: 0; }
.page-head { display: flex; align-items: center; gap: .75rem; flex-wrap: wrap; }
.page-head .spacer { flex: 1; }
.muted { color: var(--muted); }
.small { font-size: .85rem; }
.grid { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(min(100%, 420px), 1fr)); }
.pair { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(min(100%, 360px), 1fr)); align-items: start; }
.runs { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(min(100%, 320px), 1fr)); align-items: start; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); vertical-align: middle; }
th { font-size: .8rem; color: var(--muted); font-weight: 600; text-transform: uppercase; letter-spacing: .03em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tfoot td { font-weight: 600; }
.table-wrap { overflow-x: auto; }
.badge { display: inline-block; padding: .1rem .55rem; border-radius: 999px; font-size: .8rem; font-weight: 600; background: #eef1f5; color: var(--muted); }
.state-active { background: var(--accent-soft); color: var(--accent); }
.state-completed { background: #e6f6ec; color: var(--ok); }
.state-failed { background: #fdecec; color: var(--bad); }
.state-cancelled { background: #fdf3e3; color: var(--warn); }
progress { appearance: none; -webkit-appearance: none; width: 100%; height: .6rem; border: 0; border-radius: 999px; background: #e9edf3; overflow: hidden; vertical-align: middle; }
progress::-webkit-progress-bar { background: #e9edf3; border-radius: 999px; }
progress::-webkit-progress-value { background: var(--accent); border-radius: 999px; transition: width .4s ease; }
progress::-moz-progress-bar { background: var(--accent); border-radius: 999px; }
progress.done::-webkit-progress-value { background: var(--ok); }
progress.done::-moz-progress-bar { background: var(--ok); }
.progress-cell { min-width: 9rem; }
.progress-cell small { display: block; color: var(--muted); font-size: .75rem; }
.big-progress { height: .9rem; }
dl.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: .6rem 1.25rem; margin: 0; }
dl.facts div { min-width: 0; }
dl.facts dt { font-size: .75rem; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
dl.facts dd { margin: .1rem 0 0; font-weight: 500; overflow-wrap: anywhere; }
button, .button { font: inherit; border: 1px solid var(--line); background: #fff; color: var(--text); padding: .4rem .9rem; border-radius: 6px; cursor: pointer; }
button:hover, .button:hover { border-color: #c5ccd6; text-decoration: none; }
button.primary, .button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.danger { color: var(--bad); border-color: #f1c4c4; }
button:disabled { opacity: .55; cursor: default; }
form.stack { display: grid; gap: 1rem; }
fieldset { border: 1px solid var(--line); border-radius: var(--radius); padding: .75rem 1rem 1rem; margin: 0; min-width: 0; }
legend { font-weight: 600; padding: 0 .35rem; }
.fields { align-items: start; display: grid; gap: .75rem 1rem; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); }
label { display: grid; gap: .25rem; align-content: start; font-size: .85rem; color: var(--muted); font-weight: 500; }
label.inline { display: flex; align-items: center; gap: .4rem; color: var(--text); }
input, select { font: inherit; color: var(--text); padding: .35rem .5rem; border: 1px solid #cfd6df; border-radius: 6px; background: #fff; min-width: 0; }
input[type=checkbox], input[type=radio] { padding: 0; flex: none; width: 1rem; height: 1rem; margin: 0; }
input.invalid, select.invalid { border-color: var(--bad); background: #fff8f8; }
.field-error { color: var(--bad); font-size: .8rem; font-weight: 500; }
.field-error:empty { display: none; }
.form-errors { color: var(--bad); }
.form-errors:empty { display: none; }
.layer-table td { padding: .35rem .4rem; }
.layer-table input, .layer-table select { width: 100%; }
.layer-table .field-error { display: block; }
.layer-fields { display: flex; flex-wrap: wrap; gap: .4rem .6rem; }
.layer-fields label { min-width: 7rem; flex: 1; }
.controls { display: flex; flex-wrap: wrap; gap: .75rem 1.25rem; align-items: end; margin-bottom: .5rem; }
figure { margin: 0; display: grid; gap: .35rem; justify-items: start; min-width: 0; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
figure a { display: block; max-width: 100%; }
.input-row { display: grid; gap: 1.5rem; grid-template-columns: auto minmax(0, 1fr); align-items: start; }
@media (max-width: 640px) { .input-row { grid-template-columns: 1fr; } }
figcaption { font-size: .85rem; color: var(--muted); }
figure.pending figcaption::after { content: ""; display: inline-block; width: .8rem; height: .8rem; margin-left: .5rem; border: 2px solid var(--accent); border-right-color: transparent; border-radius: 50%; animation: spin .8s linear infinite; vertical-align: -2px; }
figure.failed figcaption { color: var(--bad); }
figure.pending img, figure.failed img { display: none; }
@keyframes spin { to { transform: rotate(360deg); } }
.bars { list-style: none; margin: 0; padding: 0; display: grid; gap: .35rem; max-width: 520px; }
.bars li { display: grid; grid-template-columns: 8rem 1fr 3.5rem; gap: .6rem; align-items: center; font-size: .9rem; }
.bars li.best { font-weight: 600; }
.bars .value { text-align: right; font-variant-numeric: tabular-nums; }
.empty { color: var(--muted); padding: 1rem 0; }
.tabs { display: flex; gap: .5rem; flex-wrap: wrap; }
.tabs a { padding: .25rem .75rem; border-radius: 999px; border: 1px solid var(--line); background: #fff; }
.tabs a.current { background: var(--accent); border-color: var(--accent); color: #fff; }
.checklist { display: grid; gap: .3rem; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); }
.checklist .mono { white-space: nowrap; }
.run-title { text-transform: none; letter-spacing: 0; font-size: 1rem; margin-top: 0; }
/* Run management: list filters, sortable headings, pagination, tags, the run panel */
.job-filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; margin: 0 0 1rem; }
.job-filters label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); }
table.jobs th a { color: inherit; text-decoration: none; white-space: nowrap; }
table.jobs th[aria-sort="ascending"] a, table.jobs th[aria-sort="descending"] a { color: var(--accent); }
.pagination { display: flex; gap: 1rem; align-items: center; justify-content: center; padding: .75rem 0 0; }
.run-name { font-weight: 600; }
.run-tags { display: flex; flex-wrap: wrap; gap: .25rem; list-style: none; padding: 0; margin: .25rem 0; }
.run-tags li a { display: inline-block; padding: 0 .45rem; border-radius: 999px; background: #eef1f5; font-size: .75rem; color: var(--muted); text-decoration: none; }
.viz-count { display: block; }
.run-notes { white-space: pre-wrap; }
.run-panel textarea { width: 100%; font: inherit; }
.notice { background: #eef4ff; border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem; }
@media (max-width: 640px) {
  main { padding: .75rem; }
  th, td { padding: .35rem .4rem; }
  .hide-narrow { display: none; }
}
${UX_STYLES}${SWEEP_STYLES}`;
