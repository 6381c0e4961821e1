import { describe, expect, it } from 'vitest';
import {
  bestAccuracy,
  describeBest,
  describeProgress,
  durationOf,
  formatDuration,
  formatPercent,
  shortId,
} from './job-format.js';

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

  it("shows the checkpointed epoch's accuracy, chosen by the checkpoint's monitor", () => {
    const record = (epoch: number, val_loss: number, val_accuracy?: number) => ({
      epoch,
      loss: 1,
      accuracy: 0.5,
      val_loss,
      seconds: 1,
      ...(val_accuracy === undefined ? {} : { val_accuracy }),
    });
    // Highest val_accuracy at epoch 3, lowest val_loss (the checkpoint) at epoch 2.
    const history = [record(1, 0.5, 0.6), record(2, 0.3, 0.65), record(3, 0.35, 0.7)];
    const view = { type: 'train' as const, params: {}, history, result: null };
    const best = bestAccuracy(view);
    expect(best).toEqual({ value: 0.65, metric: 'val_accuracy', epoch: 2, monitor: 'val_loss' });
    expect(describeBest(best)).toBe('65.0% (epoch 2, by val_loss)');
    // Another monitor chooses another epoch.
    expect(
      bestAccuracy({ ...view, params: { checkpoint: { monitor: 'val_accuracy' } } })?.epoch,
    ).toBe(3);
    // A completed job's result names the epoch (and the monitor) itself.
    const result = {
      backend: 'wasm',
      device: 'CPU',
      epochsRun: 3,
      stoppedEarly: false,
      bestEpoch: 1,
      best: { monitor: 'val_loss', value: 0.5 },
      restoredBestWeights: false,
      history,
      trainImages: 1,
      validationImages: 1,
      imagesPerSecond: 1,
      seconds: 1,
    };
    expect(bestAccuracy({ ...view, result })?.epoch).toBe(1);
    expect(bestAccuracy({ ...view, history: [] })).toBeUndefined();
    expect(formatPercent(0.8734)).toBe('87.3%');
    expect(shortId('train_mwzsvtc7dbd0d827')).toBe('train_mwzsvt…d827');
  });

  it('describes progress with loss, accuracy, images/s and ETA, or the stage before it', () => {
    const progress = {
      epoch: 2,
      epochs: 3,
      batch: 10,
      batches: 20,
      percent: 50,
      loss: 0.41234,
      accuracy: 0.851,
      imagesPerSecond: 1234.4,
      etaSeconds: 80.4,
    };
    expect(describeProgress({ state: 'active', progress })).toBe(
      'epoch 2/3 · batch 10/20 · 50% · loss 0.4123 · accuracy 85.1% · 1,234 images/s · ETA 1 min 20 s',
    );
    expect(describeProgress({ state: 'active', progress }, 'brief')).toBe(
      'epoch 2/3 · batch 10/20 · 50%',
    );
    expect(describeProgress({ state: 'active', progress: null, stage: 'loading-data' })).toBe(
      'starting: loading data',
    );
    expect(
      describeProgress({ state: 'active', progress, stage: 'precomputing-visualizations' }),
    ).toBe('training done: precomputing visualizations');
    expect(describeProgress({ state: 'waiting', progress: null })).toBe('waiting for a worker');
  });
});
