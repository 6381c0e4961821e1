import type {
  ComputeSaved,
  EarlyTermination,
  LeaderboardEntry,
  SweepMetric,
  SweepSummary,
  SweepTrialCounts,
  SweepTrialState,
  TrialRecord,
} from '@convoy/schemas';

/**
 * The sweep as a table: each trial's best value of the metric and the epoch it came from, ranked
 * (best first), with the counts, the share of planned epochs done, and what early termination saved.
 */
export function summarizeSweep(
  trials: readonly TrialRecord[],
  metric: SweepMetric,
  rule: EarlyTermination,
): SweepSummary {
  const entries = trials.map((trial) => entryOf(trial, metric));
  const ranked = entries
    .filter((entry) => entry.value !== null)
    .sort(
      (a, b) => compare(a.value as number, b.value as number, metric.goal) || a.trial - b.trial,
    );
  ranked.forEach((entry, position) => {
    entry.rank = position + 1;
  });
  const unranked = entries.filter((entry) => entry.value === null);
  const leaderboard = [...ranked, ...unranked];
  return {
    trials: countStates(trials),
    percent: percentDone(trials),
    metric,
    startedAt: firstStart(trials),
    leaderboard,
    best: ranked[0] ?? null,
    earlyTermination: rule === false ? null : computeSaved(trials, rule.type),
  };
}

function entryOf(trial: TrialRecord, metric: SweepMetric): LeaderboardEntry {
  let value: number | null = null;
  let bestEpoch: number | null = null;
  for (const record of trial.history) {
    const candidate = record[metric.name];
    if (candidate === undefined || !Number.isFinite(candidate)) continue;
    if (value === null || compare(candidate, value, metric.goal) < 0) {
      value = candidate;
      bestEpoch = record.epoch;
    }
  }
  return {
    rank: null,
    trial: trial.trial,
    id: trial.id,
    state: trial.state,
    assignment: { ...trial.assignment },
    value,
    bestEpoch,
    epochsRun: trial.history.length,
    epochs: trial.epochs,
    seconds: trial.seconds,
    latest: trial.history.at(-1) ?? null,
    ...(trial.error === undefined ? {} : { error: trial.error }),
  };
}

function firstStart(trials: readonly TrialRecord[]): string | null {
  const starts = trials.flatMap((trial) =>
    trial.startedAt === undefined ? [] : [trial.startedAt],
  );
  return starts.length === 0 ? null : new Date(Math.min(...starts)).toISOString();
}

function compare(a: number, b: number, goal: SweepMetric['goal']): number {
  return goal === 'minimize' ? a - b : b - a;
}

function countStates(trials: readonly TrialRecord[]): SweepTrialCounts {
  const counts: SweepTrialCounts = {
    total: trials.length,
    waiting: 0,
    active: 0,
    completed: 0,
    pruned: 0,
    failed: 0,
    cancelled: 0,
  };
  for (const trial of trials) counts[trial.state] += 1;
  return counts;
}

const FINISHED: ReadonlySet<SweepTrialState> = new Set([
  'completed',
  'pruned',
  'failed',
  'cancelled',
]);

/** Epochs run over epochs still planned: a finished trial's plan is what it ran. */
function percentDone(trials: readonly TrialRecord[]): number {
  let run = 0;
  let planned = 0;
  for (const trial of trials) {
    run += trial.history.length;
    planned += FINISHED.has(trial.state)
      ? trial.history.length
      : Math.max(trial.epochs, trial.history.length);
  }
  if (planned === 0)
    return trials.length > 0 && trials.every((trial) => FINISHED.has(trial.state)) ? 100 : 0;
  return (100 * run) / planned;
}

/** Against running every pruned trial to its last epoch, at that trial's own pace. */
export function computeSaved(
  trials: readonly TrialRecord[],
  rule: 'median' | 'asha',
): ComputeSaved {
  let epochsRun = 0;
  let epochsSaved = 0;
  let secondsSaved = 0;
  let prunedTrials = 0;
  for (const trial of trials) {
    const run = trial.history.length;
    epochsRun += run;
    if (trial.state !== 'pruned') continue;
    prunedTrials += 1;
    const saved = Math.max(0, trial.epochs - run);
    epochsSaved += saved;
    if (run > 0) secondsSaved += (saved * trial.seconds) / run;
  }
  const epochsWithoutRule = epochsRun + epochsSaved;
  return {
    rule,
    prunedTrials,
    epochsRun,
    epochsWithoutRule,
    epochsSaved,
    fractionSaved: epochsWithoutRule === 0 ? 0 : epochsSaved / epochsWithoutRule,
    secondsSaved,
  };
}
