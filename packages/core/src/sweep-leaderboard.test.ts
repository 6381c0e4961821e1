import { describe, expect, it } from 'vitest';
import type { EpochRecord, TrialRecord } from '@convoy/schemas';
import { summarizeSweep } from './sweep-leaderboard.js';

const epochs = (...valLosses: number[]): EpochRecord[] =>
  valLosses.map((val_loss, index) => ({
    epoch: index + 1,
    loss: val_loss,
    accuracy: 1 - val_loss / 3,
    val_loss,
    val_accuracy: 1 - val_loss / 2,
    seconds: 2,
  }));

const trial = (trialIndex: number, fields: Partial<TrialRecord>): TrialRecord => ({
  trial: trialIndex,
  id: `train_t${trialIndex}`,
  assignment: { 'optimizer.learningRate': trialIndex },
  state: 'completed',
  history: [],
  epochs: 4,
  seconds: 0,
  ...fields,
});

const metric = { name: 'val_loss' as const, goal: 'minimize' as const };

describe('summarizeSweep', () => {
  const trials = [
    trial(0, { history: epochs(0.9, 0.7, 0.8, 0.75), seconds: 8 }),
    trial(1, { history: epochs(0.6, 0.5, 0.45, 0.5), seconds: 8 }),
    trial(2, { state: 'pruned', history: epochs(2.3), seconds: 3 }),
    trial(3, { state: 'active', history: epochs(0.65), seconds: 2 }),
    trial(4, { state: 'waiting' }),
    trial(5, { state: 'failed', error: 'NonFiniteLossError', history: [] }),
  ];

  it('ranks trials by their best value of the metric, the epoch it came from beside it', () => {
    const summary = summarizeSweep(trials, metric, false);
    expect(summary.leaderboard.map((entry) => [entry.trial, entry.rank])).toEqual([
      [1, 1],
      [3, 2],
      [0, 3],
      [2, 4],
      [4, null],
      [5, null],
    ]);
    expect(summary.best).toMatchObject({ trial: 1, value: 0.45, bestEpoch: 3, epochsRun: 4 });
    expect(summary.leaderboard.find((entry) => entry.trial === 0)).toMatchObject({
      value: 0.7,
      bestEpoch: 2,
    });
    expect(summary.leaderboard.at(-1)?.error).toBe('NonFiniteLossError');
    expect(summary.earlyTermination).toBeNull();
    expect(summary.startedAt).toBeNull();
  });

  it('started when its first trial did', () => {
    const started = [
      trial(0, { startedAt: Date.parse('2026-12-05T10:00:05Z') }),
      trial(1, { startedAt: Date.parse('2026-12-05T10:00:01Z') }),
      trial(2, {}),
    ];
    expect(summarizeSweep(started, metric, false).startedAt).toBe('2026-12-05T10:00:01.000Z');
  });

  it('ranks by a maximized metric highest first', () => {
    const summary = summarizeSweep(trials, { name: 'val_accuracy', goal: 'maximize' }, false);
    expect(summary.best?.trial).toBe(1);
    expect(summary.best?.value).toBeCloseTo(1 - 0.45 / 2);
  });

  it('counts states and the share of planned epochs run', () => {
    const summary = summarizeSweep(trials, metric, false);
    expect(summary.trials).toEqual({
      total: 6,
      waiting: 1,
      active: 1,
      completed: 2,
      pruned: 1,
      failed: 1,
      cancelled: 0,
    });
    // Run: 4 + 4 + 1 + 1 = 10; planned: 4 + 4 + 1 (pruned) + 4 (active) + 4 (waiting) + 0 (failed) = 17.
    expect(summary.percent).toBeCloseTo((100 * 10) / 17);
  });

  it('reports what early termination saved against running each pruned trial to its last epoch', () => {
    const summary = summarizeSweep(trials, metric, {
      type: 'median',
      graceEpochs: 1,
      minTrials: 2,
    });
    expect(summary.earlyTermination).toEqual({
      rule: 'median',
      prunedTrials: 1,
      epochsRun: 10,
      epochsWithoutRule: 13,
      epochsSaved: 3,
      fractionSaved: 3 / 13,
      secondsSaved: 9,
    });
  });
});
