/**
 * A sweep's page in the browser, the parts without the DOM: the leaderboard's types (as
 * `sweepSummarySchema` of @convoy/schemas gives them; the browser loads these modules unbundled,
 * so it cannot import the package), sorting by any column, the top trials to compare, and the
 * markup of the table rows and the trial chips, built as text (one `innerHTML` per redraw keeps a
 * table of 1,000 trials quick) with every value escaped.
 */

export type SweepValue = number | string | boolean;
export type TrialState = 'waiting' | 'active' | 'completed' | 'pruned' | 'failed' | 'cancelled';
export type MetricName = 'loss' | 'accuracy' | 'val_loss' | 'val_accuracy';
export type Goal = 'minimize' | 'maximize';

export interface EpochRecord {
  epoch: number;
  loss: number;
  accuracy: number;
  val_loss?: number;
  val_accuracy?: number;
  seconds: number;
}

export interface LeaderboardEntry {
  rank: number | null;
  trial: number;
  id: string;
  state: TrialState;
  assignment: Record<string, SweepValue>;
  value: number | null;
  bestEpoch: number | null;
  epochsRun: number;
  epochs: number;
  seconds: number;
  latest: EpochRecord | null;
  error?: string;
}

export interface TrialCounts {
  total: number;
  waiting: number;
  active: number;
  completed: number;
  pruned: number;
  failed: number;
  cancelled: number;
}

export interface ComputeSaved {
  rule: 'median' | 'asha';
  prunedTrials: number;
  epochsRun: number;
  epochsWithoutRule: number;
  epochsSaved: number;
  fractionSaved: number;
  secondsSaved: number;
}

export interface SweepSummary {
  trials: TrialCounts;
  percent: number;
  metric: { name: MetricName; goal: Goal };
  leaderboard?: LeaderboardEntry[];
  best: LeaderboardEntry | null;
  earlyTermination: ComputeSaved | null;
}

/** The columns of the leaderboard: fixed ones, and one per swept param (`param:<path>`). */
export type ColumnKey =
  'rank' | 'trial' | 'value' | 'bestEpoch' | 'epochsRun' | 'seconds' | 'state' | `param:${string}`;

export type SortDirection = 'ascending' | 'descending';

export interface SortOrder {
  readonly key: ColumnKey;
  readonly direction: SortDirection;
}

/** Best first: the API's own ranking. */
export const DEFAULT_SORT: SortOrder = { key: 'rank', direction: 'ascending' };

/** Running trials first, then those still to come, then the finished ones by how they ended. */
const STATE_ORDER: readonly TrialState[] = [
  'active',
  'waiting',
  'completed',
  'pruned',
  'failed',
  'cancelled',
];

export const TERMINAL_STATES: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);

type SortValue = number | string | boolean | null;

function sortValueOf(entry: LeaderboardEntry, key: ColumnKey): SortValue {
  switch (key) {
    case 'rank':
      return entry.rank;
    case 'trial':
      return entry.trial;
    case 'value':
      return entry.value;
    case 'bestEpoch':
      return entry.bestEpoch;
    case 'epochsRun':
      return entry.epochsRun;
    case 'seconds':
      return entry.seconds;
    case 'state':
      return STATE_ORDER.indexOf(entry.state);
    default:
      return entry.assignment[key.slice('param:'.length)] ?? null;
  }
}

/** Numbers by value, text by its words (`cnn` before `cnn-avgpool`), numbers before text. */
function compareValues(a: Exclude<SortValue, null>, b: Exclude<SortValue, null>): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return String(a).localeCompare(String(b), 'en', { numeric: true });
}

/**
 * The entries in the column's order; a trial without a value there (no rank yet, not run) goes
 * last either way, and ties keep the trials' own order.
 */
export function sortEntries(
  entries: readonly LeaderboardEntry[],
  order: SortOrder,
): LeaderboardEntry[] {
  const sign = order.direction === 'ascending' ? 1 : -1;
  return entries
    .map((entry) => ({ entry, value: sortValueOf(entry, order.key) }))
    .sort((a, b) => {
      if (a.value === null || b.value === null) {
        if (a.value !== b.value) return a.value === null ? 1 : -1;
      } else {
        const compared = compareValues(a.value, b.value);
        if (compared !== 0) return sign * compared;
      }
      return a.entry.trial - b.entry.trial;
    })
    .map(({ entry }) => entry);
}

/** A header click: the same column again reverses its order; another column sorts ascending. */
export function nextSort(current: SortOrder, key: ColumnKey): SortOrder {
  if (current.key !== key) return { key, direction: 'ascending' };
  return { key, direction: current.direction === 'ascending' ? 'descending' : 'ascending' };
}

/** The ids of the `k` best-ranked trials (those with a value), best first. */
export function topTrialIds(entries: readonly LeaderboardEntry[], k: number): string[] {
  return entries
    .filter((entry) => entry.rank !== null)
    .sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0))
    .slice(0, Math.max(0, k))
    .map((entry) => entry.id);
}

/** The compare view of those trials (it shows up to 10 runs). */
export function compareUrl(ids: readonly string[]): string {
  return `/compare?ids=${ids.slice(0, 10).map(encodeURIComponent).join(',')}`;
}

/** A swept value as a person writes it: `0.0003`, `cnn`, `true`. */
export function formatValue(value: SweepValue | undefined): string {
  if (value === undefined) return '—';
  return String(value);
}

/** The metric's value: losses and accuracies to 4 decimals. */
export function formatMetric(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : value.toFixed(4);
}

/** Training seconds for the table: `0.8`, `12.4`, `204` (a column of seconds sorts and reads as one). */
export function formatSeconds(seconds: number): string {
  return seconds < 100 ? seconds.toFixed(1) : String(Math.round(seconds));
}

/** A span of time in words: `12.4 s`, `3 min 04 s`, `1 h 02 min`. */
export function formatDurationSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(Math.floor(seconds % 60)).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/**
 * Seconds from the sweep's creation to its end: its result's (creation to the last trial's end)
 * once completed, else to `finishedAt` or, while it runs, to `now`. Null when unknown.
 */
export function sweepWallSeconds(
  view: { result?: unknown; createdAt: string; finishedAt: string | null; state: string },
  now: number,
): number | null {
  const seconds = (view.result as { seconds?: unknown } | null | undefined)?.seconds;
  if (typeof seconds === 'number') return seconds;
  const end =
    view.finishedAt !== null
      ? Date.parse(view.finishedAt)
      : TERMINAL_STATES.has(view.state)
        ? NaN
        : now;
  const span = (end - Date.parse(view.createdAt)) / 1000;
  return Number.isFinite(span) ? Math.max(0, span) : null;
}

/** `3 of 8 trials finished · 2 running · 3 waiting · 1 pruned`. */
export function describeCounts(counts: TrialCounts): string {
  const finished = counts.completed + counts.pruned + counts.failed + counts.cancelled;
  const parts = [`${finished} of ${counts.total} trial${counts.total === 1 ? '' : 's'} finished`];
  if (counts.active > 0) parts.push(`${counts.active} running`);
  if (counts.waiting > 0) parts.push(`${counts.waiting} waiting`);
  if (counts.pruned > 0) parts.push(`${counts.pruned} pruned`);
  if (counts.failed > 0) parts.push(`${counts.failed} failed`);
  if (counts.cancelled > 0) parts.push(`${counts.cancelled} cancelled`);
  return parts.join(' · ');
}

const RULE_NAMES = { median: 'median stopping', asha: 'ASHA' } as const;

/** `Median stopping pruned 4 trials: 37 of 100 epochs saved (37%), about 2 min 10 s of training.` */
export function describeComputeSaved(saved: ComputeSaved): string {
  const rule = RULE_NAMES[saved.rule];
  const Rule = `${rule.charAt(0).toUpperCase()}${rule.slice(1)}`;
  if (saved.prunedTrials === 0) return `${Rule} has stopped no trial yet.`;
  const trials = `${saved.prunedTrials} trial${saved.prunedTrials === 1 ? '' : 's'}`;
  const time =
    saved.secondsSaved > 0
      ? `, about ${formatDurationSeconds(saved.secondsSaved)} of training`
      : '';
  const percent = Math.round(saved.fractionSaved * 100);
  return `${Rule} pruned ${trials}: ${saved.epochsSaved} of ${saved.epochsWithoutRule} epochs saved (${percent}%)${time}.`;
}

/** `epoch 2/5 · val_loss 0.4121` of a trial's latest epoch, or its state when it has none. */
export function describeLatest(entry: LeaderboardEntry, metric: MetricName): string {
  const latest = entry.latest;
  if (latest === null) return entry.state === 'waiting' ? 'waiting' : entry.state;
  const value = latest[metric];
  return `epoch ${latest.epoch}/${entry.epochs}${value === undefined ? '' : ` · ${metric} ${formatMetric(value)}`}`;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character);
}

/** The rows of the leaderboard table, in the given order. */
export function leaderboardRowsHtml(
  entries: readonly LeaderboardEntry[],
  paths: readonly string[],
): string {
  if (entries.length === 0) {
    return `<tr><td colspan="${paths.length + 7}" class="empty">No trials.</td></tr>`;
  }
  let rows = '';
  for (const entry of entries) {
    const params = paths
      .map((path) => `<td class="param">${escapeHtml(formatValue(entry.assignment[path]))}</td>`)
      .join('');
    const error = entry.error === undefined ? '' : ` title="${escapeHtml(entry.error)}"`;
    rows +=
      `<tr data-id="${escapeHtml(entry.id)}" data-trial="${entry.trial}" data-state="${entry.state}"${entry.rank === 1 ? ' class="best"' : ''}>` +
      `<td class="num">${entry.rank ?? '—'}</td>` +
      `<td class="num"><a href="/jobs/${encodeURIComponent(entry.id)}" title="${escapeHtml(entry.id)}">#${entry.trial}</a></td>` +
      params +
      `<td class="num value">${formatMetric(entry.value)}</td>` +
      `<td class="num">${entry.bestEpoch ?? '—'}</td>` +
      `<td class="num">${entry.epochsRun}/${entry.epochs}</td>` +
      `<td class="num">${formatSeconds(entry.seconds)}</td>` +
      `<td><span class="badge state-${entry.state}"${error}>${entry.state}</span></td>` +
      `</tr>`;
  }
  return rows;
}

/** One small square per trial, in trial order, coloured by its state, each a link to the trial. */
export function trialChipsHtml(entries: readonly LeaderboardEntry[], metric: MetricName): string {
  return [...entries]
    .sort((a, b) => a.trial - b.trial)
    .map((entry) => {
      const label = `#${entry.trial} ${entry.state} · ${describeLatest(entry, metric)}`;
      return `<li><a class="trial-chip state-${entry.state}" href="/jobs/${encodeURIComponent(entry.id)}" title="${escapeHtml(label)}" aria-label="${escapeHtml(label)}">${entry.epochsRun > 0 ? entry.epochsRun : ''}</a></li>`;
    })
    .join('');
}
