import type { EarlyTermination, SweepGoal } from '@convoy/schemas';

/** A trial's values of the sweep's metric, one per finished epoch (index 0 = epoch 1). */
export type MetricCurve = readonly number[];

export interface StopDecision {
  readonly stop: boolean;
  /** Why, for the log and the trial's result: the rule, the epoch, the values compared. */
  readonly reason?: string;
}

const CONTINUE: StopDecision = { stop: false };

/**
 * Whether a trial that has just finished epoch `curve.length` should stop, given the curves the
 * sweep's other trials have recorded so far (asynchronous: each decides with what exists when its
 * epoch ends). A value that is not finite counts as the worst there is.
 */
export function decideTrialStop(
  rule: Exclude<EarlyTermination, false>,
  goal: SweepGoal,
  curve: MetricCurve,
  others: readonly MetricCurve[],
): StopDecision {
  return rule.type === 'median'
    ? medianStopping(rule, goal, curve, others)
    : successiveHalving(rule, goal, curve, others);
}

/** Lower is better in this scale: values are negated for maximize, and non-finite ones are +∞. */
function score(value: number, goal: SweepGoal): number {
  if (!Number.isFinite(value)) return Number.POSITIVE_INFINITY;
  return goal === 'minimize' ? value : -value;
}

/** Worse beyond float rounding: a median of two values must not stop a trial equal to it. */
function isWorse(own: number, bar: number): boolean {
  return own > bar + 1e-9 * Math.max(1, Math.abs(bar));
}

function bestSoFar(curve: MetricCurve, epochs: number, goal: SweepGoal): number {
  return Math.min(...curve.slice(0, epochs).map((value) => score(value, goal)));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function medianStopping(
  rule: Extract<EarlyTermination, { type: 'median' }>,
  goal: SweepGoal,
  curve: MetricCurve,
  others: readonly MetricCurve[],
): StopDecision {
  const epoch = curve.length;
  if (epoch < rule.graceEpochs) return CONTINUE;
  const averages = others
    .filter((other) => other.length >= epoch)
    .map((other) => {
      const scores = other.slice(0, epoch).map((value) => score(value, goal));
      return scores.reduce((sum, value) => sum + value, 0) / epoch;
    });
  if (averages.length < rule.minTrials) return CONTINUE;
  const own = bestSoFar(curve, epoch, goal);
  const bar = median(averages);
  if (!isWorse(own, bar)) return CONTINUE;
  return {
    stop: true,
    reason: `median stopping at epoch ${epoch}: best ${shown(own, goal)} is worse than the median ${shown(bar, goal)} of ${averages.length} other trials' running averages`,
  };
}

/** Ray Tune's asynchronous successive halving, as a stopping rule. */
function successiveHalving(
  rule: Extract<EarlyTermination, { type: 'asha' }>,
  goal: SweepGoal,
  curve: MetricCurve,
  others: readonly MetricCurve[],
): StopDecision {
  const epoch = curve.length;
  if (!isRung(epoch, rule)) return CONTINUE;
  const recorded = others
    .filter((other) => other.length >= epoch)
    .map((other) => bestSoFar(other, epoch, goal));
  const own = bestSoFar(curve, epoch, goal);
  recorded.push(own);
  if (recorded.length < rule.reductionFactor) return CONTINUE;
  // The best 1/η go on: a trial at or better than the cutoff rank continues.
  const sorted = recorded.sort((a, b) => a - b);
  const keep = Math.max(1, Math.floor(sorted.length / rule.reductionFactor));
  const cutoff = sorted[keep - 1] as number;
  if (!isWorse(own, cutoff)) return CONTINUE;
  return {
    stop: true,
    reason: `successive halving at rung epoch ${epoch}: best ${shown(own, goal)} is outside the top ${keep} of ${sorted.length} (cutoff ${shown(cutoff, goal)})`,
  };
}

/** Rungs at minEpochs · η^k. */
export function isRung(
  epoch: number,
  rule: { minEpochs: number; reductionFactor: number },
): boolean {
  for (let rung = rule.minEpochs; rung <= epoch; rung *= rule.reductionFactor)
    if (rung === epoch) return true;
  return false;
}

function shown(scoreValue: number, goal: SweepGoal): string {
  const value = goal === 'minimize' ? scoreValue : -scoreValue;
  return Number.isFinite(value) ? value.toPrecision(4) : String(value);
}
