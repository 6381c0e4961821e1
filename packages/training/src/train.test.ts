import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LayerSpecInput, TrainingParams } from '@convoy/schemas';
import { modelSpecSchema } from '@convoy/schemas';
import { initializeBackend } from '@convoy/backend';
import { buildModel } from '@convoy/model';
import { InvalidTrainingDataError, NonFiniteLossError, TrainingAbortedError } from './errors.js';
import type { LabelledTensors } from './labelled-tensors.js';
import { trainModel } from './train.js';

const TINY_LAYERS: LayerSpecInput[] = [
  { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' },
  { type: 'maxPooling2d', poolSize: 4 },
  { type: 'flatten' },
  { type: 'dense', units: 16, activation: 'relu' },
  { type: 'dropout', rate: 0.25 },
  { type: 'dense', units: 10, activation: 'softmax' },
];
const tinySpec = modelSpecSchema.parse({ layers: TINY_LAYERS });

const baseParams: Pick<
  TrainingParams,
  'epochs' | 'batchSize' | 'seed' | 'optimizer' | 'earlyStopping' | 'checkpoint'
> = {
  epochs: 3,
  batchSize: 16,
  seed: 7,
  optimizer: { name: 'adam', learningRate: 0.01 },
  earlyStopping: false,
  checkpoint: { monitor: 'val_loss', saveBestOnly: true },
};

/** A learnable toy task: the class is which horizontal band of the image is bright. */
function bandData(count: number, seed: number): LabelledTensors {
  return tf.tidy(() => {
    const labels = tf.floor(tf.randomUniform([count], 0, 10, 'float32', seed));
    const rows = tf.reshape(tf.floor(tf.div(tf.range(0, 28), 2.8)), [1, 28, 1, 1]);
    const band = tf.cast(tf.equal(rows, tf.reshape(labels, [count, 1, 1, 1])), 'float32');
    const noise = tf.randomUniform([count, 28, 28, 1], 0, 0.3, 'float32', seed + 1);
    const xs = tf.clipByValue(
      tf.add(tf.mul(tf.tile(band, [1, 1, 28, 1]), 0.7), noise),
      0,
      1,
    ) as tf.Tensor4D;
    return { xs, ys: labels as tf.Tensor1D };
  });
}

const disposeData = (data: LabelledTensors) => tf.dispose([data.xs, data.ys]);

describe('trainModel on wasm', () => {
  beforeAll(async () => {
    await initializeBackend('wasm');
  });

  it('learns, reports progress per batch and history per epoch', async () => {
    const train = bandData(320, 1);
    const validation = bandData(80, 2);
    const model = buildModel(tinySpec, { seed: 1 });
    const progress: number[] = [];
    const result = await trainModel({
      model,
      train,
      validation,
      params: baseParams,
      progressIntervalMs: 0,
      onProgress: (update) => progress.push(update.percent),
    });
    expect(result.history.map((record) => record.epoch)).toEqual([1, 2, 3]);
    expect(progress).toHaveLength(3 * 20);
    expect(progress.at(-1)).toBe(100);
    const [first, last] = [result.history[0], result.history[2]];
    expect(last?.loss).toBeLessThan(first?.loss ?? 0);
    expect(last?.val_accuracy).toBeGreaterThan(0.5);
    expect(result.bestEpoch).not.toBeNull();
    model.dispose();
    disposeData(train);
    disposeData(validation);
  });

  it('leaks no tensors across epochs or across jobs', async () => {
    const train = bandData(64, 3);
    const validation = bandData(32, 4);
    const counts: number[] = [];
    const baseline = tf.memory().numTensors;
    for (let job = 0; job < 2; job += 1) {
      const model = buildModel(tinySpec, { seed: job });
      const withModel = tf.memory().numTensors;
      await trainModel({
        model,
        train,
        validation,
        params: {
          ...baseParams,
          earlyStopping: {
            monitor: 'val_loss',
            patience: 5,
            minDelta: 0,
            restoreBestWeights: true,
          },
        },
        onCheckpoint: async () => undefined,
        onEpochEnd: () => {
          counts.push(tf.memory().numTensors - withModel);
        },
      });
      model.dispose();
      expect(tf.memory().numTensors).toBe(baseline);
    }
    // Inside a run only the optimizer's slots and early stopping's weight copy exist, and they do not grow.
    expect(new Set(counts).size).toBe(1);
    disposeData(train);
    disposeData(validation);
  });

  it('is reproducible: the same seed gives the same weights, dropout included', async () => {
    const train = bandData(64, 5);
    const runOnce = async () => {
      const model = buildModel(tinySpec, { seed: 11 });
      await trainModel({
        model,
        train,
        params: { ...baseParams, epochs: 2, checkpoint: { monitor: 'loss', saveBestOnly: true } },
      });
      const weights = model.getWeights().map((weight) => Array.from(weight.dataSync()));
      model.dispose();
      return weights;
    };
    expect(await runOnce()).toEqual(await runOnce());
    disposeData(train);
  });

  it('stops at the next batch when its signal aborts', async () => {
    const train = bandData(64, 6);
    const model = buildModel(tinySpec, { seed: 1 });
    const controller = new AbortController();
    const run = trainModel({
      model,
      train,
      params: { ...baseParams, checkpoint: { monitor: 'loss', saveBestOnly: true } },
      signal: controller.signal,
      progressIntervalMs: 0,
      onProgress: (update) => {
        if (update.batch === 2) controller.abort(new Error('cancelled'));
      },
    });
    await expect(run).rejects.toBeInstanceOf(TrainingAbortedError);
    await expect(run).rejects.toThrow(/epoch 1, batch 3/);
    model.dispose();
    disposeData(train);
  });

  it('ends the run after the epoch pruneAfterEpoch names a reason for, as pruned, asked every epoch', async () => {
    const train = bandData(64, 6);
    const model = buildModel(tinySpec, { seed: 1 });
    const asked: number[] = [];
    const before = tf.memory().numTensors;
    const result = await trainModel({
      model,
      train,
      params: { ...baseParams, epochs: 5, checkpoint: { monitor: 'loss', saveBestOnly: true } },
      pruneAfterEpoch: (record) => {
        asked.push(record.epoch);
        return Promise.resolve(record.epoch === 2 ? 'worse than the median' : null);
      },
    });
    expect(asked).toEqual([1, 2]);
    expect(result.history.map((record) => record.epoch)).toEqual([1, 2]);
    expect(result.pruned).toEqual({ epoch: 2, reason: 'worse than the median' });
    expect(result.stoppedEarly).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    // A reason at the last epoch changes nothing: the run is complete, not pruned.
    const complete = await trainModel({
      model,
      train,
      params: { ...baseParams, epochs: 2, checkpoint: { monitor: 'loss', saveBestOnly: true } },
      pruneAfterEpoch: (record) => Promise.resolve(record.epoch === 2 ? 'late' : null),
    });
    expect(complete.pruned).toBeUndefined();
    expect(complete.stoppedEarly).toBe(false);
    model.dispose();
    disposeData(train);
  });

  it.each([
    [
      'NaN pixels',
      (data: LabelledTensors) => ({
        ...data,
        xs: tf.mul(data.xs, tf.scalar(Number.NaN)) as tf.Tensor4D,
      }),
    ],
    [
      'pixels in 0–255',
      (data: LabelledTensors) => ({ ...data, xs: tf.mul(data.xs, 255) as tf.Tensor4D }),
    ],
    [
      'labels out of range',
      (data: LabelledTensors) => ({ ...data, ys: tf.add(data.ys, 10) as tf.Tensor1D }),
    ],
    [
      'fractional labels',
      (data: LabelledTensors) => ({ ...data, ys: tf.add(data.ys, 0.5) as tf.Tensor1D }),
    ],
    [
      'the wrong image shape',
      (data: LabelledTensors) => ({
        ...data,
        xs: tf.reshape(data.xs, [16, 14, 56, 1]) as tf.Tensor4D,
      }),
    ],
  ])('rejects %s with InvalidTrainingDataError before training', async (_label, corrupt) => {
    const data = bandData(16, 8);
    const bad = corrupt(data);
    const model = buildModel(tinySpec, { seed: 1 });
    await expect(trainModel({ model, train: bad, params: baseParams })).rejects.toBeInstanceOf(
      InvalidTrainingDataError,
    );
    model.dispose();
    tf.dispose([data.xs, data.ys, bad.xs, bad.ys]);
  });

  it('fails with NonFiniteLossError when the loss diverges', async () => {
    const train = bandData(64, 9);
    const model = buildModel(tinySpec, { seed: 1 });
    const params = {
      ...baseParams,
      optimizer: { name: 'sgd' as const, learningRate: 1 },
      checkpoint: { monitor: 'loss' as const, saveBestOnly: true },
    };
    // Weights gone NaN (as after an overflow) make every loss NaN.
    const huge = model.getWeights().map((weight) => tf.fill(weight.shape, Number.NaN));
    model.setWeights(huge);
    tf.dispose(huge);
    const diverged = trainModel({ model, train, params });
    await expect(diverged).rejects.toBeInstanceOf(NonFiniteLossError);
    await expect(diverged).rejects.toThrow(/loss became NaN at epoch 1, batch 1/);
    model.dispose();
    disposeData(train);
  });
});
