import { describe, expect, it } from 'vitest';
import { bestAccuracy, durationOf, formatDuration, formatPercent, shortId } from './job-format.js';

describe('job formatting', () => {
  it('formats durations from milliseconds to hours', () => {
    expect(formatDuration(undefined)).toBe('—');
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_400)).toBe('12.4 s');
    expect(formatDuration(184_000)).toBe('3 min 04 s');
    expect(formatDuration(3_720_000)).toBe('1 h 02 min');
  });

  it('measures a job from start to finish, or to now while it runs', () => {
    const startedAt = '2024-05-01T12:00:00.000Z';
    const now = Date.parse('2024-05-01T12:00:30.000Z');
    expect(durationOf({ startedAt, finishedAt: null, state: 'active' }, now)).toBe(30_000);
    expect(
      durationOf({ startedAt, finishedAt: '2024-05-01T12:00:10.000Z', state: 'completed' }, now),
    ).toBe(10_000);
    expect(
      durationOf({ startedAt: null, finishedAt: null, state: 'waiting' }, now),
    ).toBeUndefined();
  });

  it('finds the best validation accuracy, or training accuracy without validation', () => {
    const record = (epoch: number, accuracy: number, val_accuracy?: number) => ({
      epoch,
      loss: 1,
      accuracy,
      seconds: 1,
      ...(val_accuracy === undefined ? {} : { val_accuracy }),
    });
    expect(bestAccuracy([record(1, 0.5, 0.6), record(2, 0.7, 0.65), record(3, 0.8, 0.62)])).toEqual(
      { value: 0.65, metric: 'val_accuracy', epoch: 2 },
    );
    expect(bestAccuracy([record(1, 0.5)])).toEqual({ value: 0.5, metric: 'accuracy', epoch: 1 });
    expect(bestAccuracy([])).toBeUndefined();
    expect(formatPercent(0.8734)).toBe('87.3%');
    expect(shortId('train_mwzsvtc7dbd0d827')).toBe('train_mwzsvt…d827');
  });
});
