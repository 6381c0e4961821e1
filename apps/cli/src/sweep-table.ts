import {
  isTerminalState,
  type JobView,
  type LeaderboardEntry,
  type SweepParams,
  type SweepSummary,
} from '@convoy/schemas';
import { writeLine } from './options.js';

/** A sweep's leaderboard: its own field while it runs, its result's once it completed. */
export function leaderboardOf(view: JobView): readonly LeaderboardEntry[] {
  const result = view.result as { leaderboard?: LeaderboardEntry[] } | null;
  return view.sweep?.leaderboard ?? result?.leaderboard ?? [];
}

/** The swept param paths, in the order of the sweep's params. */
function sweptPaths(view: JobView, leaderboard: readonly LeaderboardEntry[]): string[] {
  const parameters = (view.params as Partial<SweepParams> | null)?.parameters;
  if (parameters !== undefined) return Object.keys(parameters);
  return [...new Set(leaderboard.flatMap((entry) => Object.keys(entry.assignment)))];
}

function formatValue(value: unknown): string {
  if (typeof value === 'number' && !Number.isInteger(value))
    return String(Number(value.toPrecision(4)));
  return String(value);
}

const RIGHT_ALIGNED = new Set(['rank', 'trial', 'epoch', 'seconds']);

/** Columns padded to their widest cell; numbers right-aligned. */
function layout(header: readonly string[], rows: readonly string[][], right: ReadonlySet<number>) {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        right.has(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** `4 trials: 1 active, 2 waiting, 1 completed` (states with none left out). */
export function describeCounts(summary: Pick<SweepSummary, 'trials'>): string {
  const { total, ...states } = summary.trials;
  const parts = Object.entries(states)
    .filter(([, count]) => count > 0)
    .map(([state, count]) => `${count} ${state}`);
  return `${total} trial${total === 1 ? '' : 's'}${parts.length > 0 ? `: ${parts.join(', ')}` : ''}`;
}

/**
 * A sweep as the terminal shows it: a summary line (state, counts, percent, metric, best), the
 * compute early termination saved, and one row per trial, best first: rank, trial, the swept
 * values, state, epoch/epochs, the metric's best value and the training seconds.
 */
export function formatSweepTable(view: JobView): string[] {
  const summary = view.sweep ?? (view.result as SweepSummary | null) ?? undefined;
  const leaderboard = leaderboardOf(view);
  const paths = sweptPaths(view, leaderboard);
  const metric = summary?.metric;
  const lines: string[] = [];
  const cancelling = view.cancelRequested && !isTerminalState(view.state);
  const head = [`${view.id}  ${view.state}${cancelling ? ' (cancel requested)' : ''}`];
  if (summary !== undefined) {
    head.push(describeCounts(summary), `${summary.percent.toFixed(0)}%`);
    if (metric !== undefined) head.push(`${metric.name} (${metric.goal})`);
    const best = summary.best;
    if (best?.value != null) head.push(`best: trial ${best.trial} ${formatValue(best.value)}`);
  }
  lines.push(head.join('  '));
  const saved = summary?.earlyTermination;
  if (saved != null)
    lines.push(
      `early termination (${saved.rule}): ${saved.prunedTrials} pruned, ${saved.epochsSaved} of ${saved.epochsWithoutRule} epochs saved (${(saved.fractionSaved * 100).toFixed(0)}%)`,
    );
  const header = ['rank', 'trial', ...paths, 'state', 'epoch', metric?.name ?? 'value', 'seconds'];
  const rows = leaderboard.map((entry) => [
    entry.rank === null ? '-' : String(entry.rank),
    String(entry.trial),
    ...paths.map((path) => (path in entry.assignment ? formatValue(entry.assignment[path]) : '')),
    entry.state,
    `${entry.epochsRun}/${entry.epochs}`,
    entry.value === null ? '-' : entry.value.toFixed(4),
    entry.seconds.toFixed(1),
  ]);
  const right = new Set(
    header.flatMap((name, column) =>
      RIGHT_ALIGNED.has(name) || column === header.length - 2 ? [column] : [],
    ),
  );
  lines.push(...layout(header, rows, right));
  for (const entry of leaderboard)
    if (entry.error !== undefined) lines.push(`trial ${entry.trial} failed: ${entry.error}`);
  return lines;
}

export interface SweepTableRenderer {
  /** Shows the table (a TTY: in place of the previous one; elsewhere: again when it changed). */
  render(lines: readonly string[]): void;
}

const CURSOR_UP = (lines: number) => `\u001B[${lines}A`;
const CLEAR_DOWN = '\u001B[0J';

/** The table cut to the terminal: lines to its width, rows to its height (the best trials kept). */
function fitToTerminal(lines: readonly string[], columns?: number, rows?: number): string[] {
  let fitted = [...lines];
  if (rows !== undefined && rows > 3 && fitted.length > rows - 1) {
    const hidden = fitted.length - (rows - 2);
    fitted = [...fitted.slice(0, rows - 2), `… ${hidden} more line${hidden === 1 ? '' : 's'}`];
  }
  return fitted.map((line) =>
    columns && line.length >= columns ? line.slice(0, Math.max(1, columns - 1)) : line,
  );
}

/**
 * On a terminal the table is redrawn in place (cursor up over the previous one, cleared to the
 * end of the screen), cut to the terminal's width and height so the count of lines to go up is
 * right. Elsewhere (pipes, CI logs) the whole table is printed again each time it changes.
 */
export function createSweepTableRenderer(
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number },
): SweepTableRenderer {
  let previous: string | undefined;
  let drawnLines = 0;
  return {
    render(lines) {
      const fitted = stream.isTTY ? fitToTerminal(lines, stream.columns, stream.rows) : lines;
      const text = fitted.join('\n');
      if (text === previous) return;
      if (stream.isTTY) {
        stream.write(`${drawnLines > 0 ? CURSOR_UP(drawnLines) : ''}${CLEAR_DOWN}${text}\n`);
        drawnLines = fitted.length;
      } else {
        if (previous !== undefined) writeLine(stream);
        writeLine(stream, text);
      }
      previous = text;
    },
  };
}
