import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkpointEpochOf,
  modelSpecSchema,
  type EpochRecord,
  type TrainingParams,
  type TrainingProgress,
} from '@convoy/schemas';
import { initializeBackend } from '@convoy/backend';
import { buildModel } from '@convoy/model';
import { BestMetricTracker, EarlyStopping } from './callbacks.js';
import type { LabelledTensors } from './labelled-tensors.js';
import { pace, trainModel } from './train.js';

/**
 * What the live job page relies on: progress carries images/s and an ETA, the checkpoint callback
 * names the epoch it saves, and the history alone tells which epoch that is (checkpointEpochOf).
 */

const spec = modelSpecSchema.parse({
  layers: [
    { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'maxPooling2d', poolSize: 4 },
    { type: 'flatten' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
});

function noise(count: number, seed: number): LabelledTensors {
  return tf.tidy(() => ({
    xs: tf.randomUniform([count, 28, 28, 1], 0, 1, 'float32', seed) as tf.Tensor4D,
    ys: tf.floor(tf.randomUniform([count], 0, 10, 'float32', seed + 1)) as tf.Tensor1D,
  }));
}

const params: Pick<
  TrainingParams,
  'epochs' | 'batchSize' | 'seed' | 'optimizer' | 'earlyStopping' | 'checkpoint'
> = {
  epochs: 4,
  batchSize: 16,
  seed: 3,
  // A learning rate this high on noise makes val_loss wander: improvements and set-backs both.
  optimizer: { name: 'adam', learningRate: 0.05 },
  earlyStopping: false,
  checkpoint: { monitor: 'val_loss', saveBestOnly: true },
};

const record = (epoch: number, val_loss: number, val_accuracy: number): EpochRecord => ({
  epoch,
  loss: 1,
  accuracy: 0.5,
  val_loss,
  val_accuracy,
  seconds: 1,
});

describe('pace', () => {
  it('gives nothing before a batch has run', () => {
    expect(pace({ images: 0, stepMs: 0, batchesRun: 0, wallMs: 10, batchesLeft: 5 })).toEqual({});
  });

  it('gives step images/s and the wall-clock time the batches left take at this pace', () => {
    expect(
      pace({ images: 320, stepMs: 400, batchesRun: 10, wallMs: 2_000, batchesLeft: 30 }),
    ).toEqual({ imagesPerSecond: 800, etaSeconds: 6 });
  });
});

describe('checkpointEpochOf', () => {
  const history = [
    record(1, 0.5, 0.8),
    record(2, 0.4, 0.85),
    record(3, 0.4, 0.9),
    record(4, 0.45, 0.915),
  ];

  it('is the checkpointed epoch by the monitor, not the highest val_accuracy', () => {
    const best = checkpointEpochOf(history, { monitor: 'val_loss', saveBestOnly: true });
    expect(best?.checkpoint).toEqual({
      epoch: 2,
      monitor: 'val_loss',
      value: 0.4,
      saveBestOnly: true,
    });
    expect(best?.record.val_accuracy).toBe(0.85);
    expect(
      checkpointEpochOf(history, { monitor: 'val_accuracy', saveBestOnly: true })?.record,
    ).toMatchObject({ epoch: 4 });
  });

  it('agrees with BestMetricTracker, the rule the trainer applies', () => {
    const tracker = new BestMetricTracker('val_loss');
    for (const entry of history) tracker.update(entry.epoch, entry);
    expect(
      checkpointEpochOf(history, { monitor: 'val_loss', saveBestOnly: true })?.record.epoch,
    ).toBe(tracker.bestEpoch);
  });

  it('is the last epoch when every epoch is saved, and undefined before any', () => {
    expect(
      checkpointEpochOf(history, { monitor: 'val_loss', saveBestOnly: false })?.record.epoch,
    ).toBe(4);
    expect(checkpointEpochOf([], { monitor: 'val_loss', saveBestOnly: true })).toBeUndefined();
  });
});

describe('trainModel live figures (wasm)', () => {
  beforeAll(async () => {
    await initializeBackend('wasm');
  });

  it('reports images/s and a falling ETA, and checkpoints the epochs checkpointEpochOf names', async () => {
    const train = noise(96, 1);
    const validation = noise(48, 2);
    const model = buildModel(spec, { seed: 1 });
    const progress: TrainingProgress[] = [];
    const saved: { epoch: number; record: EpochRecord }[] = [];
    const result = await trainModel({
      model,
      train,
      validation,
      params,
      progressIntervalMs: 0,
      threads: 1,
      onProgress: (update) => progress.push(update),
      onCheckpoint: async (_model, epoch, epochRecord) => {
        saved.push({ epoch, record: epochRecord });
      },
    });
    expect(progress).toHaveLength(4 * 6);
    // The first batch (kernels compiling) sets no pace; every later report has one.
    expect(progress[0]?.imagesPerSecond).toBeUndefined();
    for (const update of progress.slice(1)) {
      expect(update.imagesPerSecond).toBeGreaterThan(0);
      expect(update.etaSeconds).toBeGreaterThanOrEqual(0);
    }
    expect(progress[1]?.etaSeconds).toBeGreaterThan(progress.at(-2)?.etaSeconds ?? Infinity);
    expect(progress.at(-1)?.etaSeconds).toBe(0);
    // Each save is handed its own epoch's record, and the last save is the history's best.
    for (const save of saved) expect(save.record.epoch).toBe(save.epoch);
    const best = checkpointEpochOf(result.history, params.checkpoint);
    expect(saved.at(-1)?.epoch).toBe(best?.checkpoint.epoch);
    expect(result.bestEpoch).toBe(best?.checkpoint.epoch);
    model.dispose();
    tf.dispose([train.xs, train.ys, validation.xs, validation.ys]);
  });
});

describe('EarlyStopping.stoppedAt (a run resumed after it ended)', () => {
  beforeAll(async () => {
    await initializeBackend('wasm');
  });

  it('ends a run resumed after its stopping epoch, with the best weights back', () => {
    const model = buildModel(spec, { seed: 1 });
    const config = {
      monitor: 'val_loss' as const,
      patience: 1,
      minDelta: 0,
      restoreBestWeights: true,
    };
    const kernel = () => Array.from(model.getWeights()[0]?.dataSync() ?? []);
    const first = new EarlyStopping(config);
    expect(first.onEpochEnd(1, { val_loss: 0.5 }, model)).toBe(false);
    const best = kernel();
    model.setWeights(model.getWeights().map((weight) => tf.mul(weight, 2)));
    expect(first.onEpochEnd(2, { val_loss: 0.6 }, model)).toBe(true);
    // The worker died before completing the job: another resumes from the epoch-2 snapshot.
    const resumed = new EarlyStopping(config);
    resumed.restore(first.state, first.keptWeights?.map((weight) => tf.clone(weight)) ?? null);
    model.setWeights(model.getWeights().map((weight) => tf.mul(weight, 3)));
    expect(resumed.stoppedAt(2, model)).toBe(true);
    expect(resumed.restored).toBe(true);
    expect(kernel()).toEqual(best);
    // A run that had not stopped goes on.
    const going = new EarlyStopping({ ...config, patience: 3 });
    going.restore(first.state, null);
    expect(going.stoppedAt(2, model)).toBe(false);
    first.dispose();
    resumed.dispose();
    going.dispose();
    model.dispose();
  });
});
