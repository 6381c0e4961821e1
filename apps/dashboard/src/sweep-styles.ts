/**
 * Styles of the sweep pages (the sweep's page and its form), appended to the style sheet
 * (styles.ts). Colours of the chart's lines are SVG attributes, not styles: the page's CSP
 * allows no inline style.
 */
export const SWEEP_STYLES = `
.trial-chips { display: flex; flex-wrap: wrap; gap: 3px; list-style: none; padding: 0; margin: .6rem 0; }
.trial-chip { display: block; width: 1.1rem; height: 1.1rem; border-radius: 3px; font-size: .6rem; line-height: 1.1rem; text-align: center; color: inherit; border: 1px solid var(--line); }
.trial-chip:hover { text-decoration: none; outline: 2px solid var(--accent); }
.trial-chip.state-waiting { background: #eef1f5; }
.trial-chip.state-pruned { background: #f3ecfb; color: #6b46c1; }
.state-pruned { background: #f3ecfb; color: #6b46c1; }
table.leaderboard th { padding: 0; }
table.leaderboard th button.sort { all: unset; box-sizing: border-box; display: block; width: 100%; padding: .45rem .6rem; cursor: pointer; white-space: nowrap; font: inherit; }
table.leaderboard th.num button.sort { text-align: right; }
table.leaderboard th button.sort:focus-visible { outline: 2px solid var(--accent); outline-offset: -2px; }
table.leaderboard th[aria-sort="ascending"] button.sort::after { content: " ▲"; }
table.leaderboard th[aria-sort="descending"] button.sort::after { content: " ▼"; }
table.leaderboard th[aria-sort="ascending"], table.leaderboard th[aria-sort="descending"] { color: var(--accent); }
table.leaderboard tr.best td { background: #fffbe6; font-weight: 600; }
table.leaderboard td.param { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .88em; }
a.button[aria-disabled="true"] { opacity: .55; cursor: default; pointer-events: none; }
.pc-wrap { overflow-x: auto; }
.pc-chart { display: block; width: 100%; height: auto; min-width: 640px; }
.pc-chart .axis line { stroke: #5f6b7a; stroke-width: 1; }
.pc-chart text { font-size: 11px; fill: var(--muted); font-family: inherit; }
.pc-chart .tick-label { paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
.pc-chart .axis-label { font-size: 12px; font-weight: 600; fill: var(--text); }
.pc-chart .trial-line { fill: none; stroke-width: 1.6; opacity: .8; }
.pc-chart .trial-line.no-value { stroke-dasharray: 4 3; opacity: .6; }
.pc-chart .trial-line.best { stroke-width: 3; opacity: 1; }
.pc-chart .trial-line:hover { stroke-width: 4; opacity: 1; }
.search-space { margin: 0; padding-left: 1.25rem; }
.dimension-wrap { position: relative; } /* its hidden heading scrolls with it, not the page */
.dimension-table { table-layout: fixed; min-width: 40rem; }
.dimension-table .dimension-col-path { width: 16rem; }
.dimension-table .dimension-col-kind { width: 11rem; }
.dimension-table .dimension-col-actions { width: 6.5rem; }
.dimension-table input, .dimension-table select { width: 100%; }
.dimension-range { display: flex; gap: .4rem; align-items: center; }
.dimension-table .field-error { display: block; overflow-wrap: anywhere; }
.trial-preview { font-weight: 600; }
.trial-preview.over { color: var(--bad); }
`;
