import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BestMetricTracker, EarlyStopping, isImprovement } from './callbacks.js';

function tinyModel(): tfl.Sequential {
  const model = tfl.sequential();
  model.add(tfl.layers.dense({ units: 1, inputShape: [1], kernelInitializer: 'zeros' }));
  return model;
}
const setKernel = (model: tfl.LayersModel, value: number) =>
  model.setWeights([tf.tensor2d([[value]]), tf.zeros([1])]);
const kernelOf = (model: tfl.LayersModel) => model.getWeights()[0]?.dataSync()[0];

describe('isImprovement', () => {
  it('treats losses as lower-is-better and accuracies as higher-is-better', () => {
    expect(isImprovement('val_loss', 0.2, 0.3)).toBe(true);
    expect(isImprovement('val_loss', 0.3, 0.2)).toBe(false);
    expect(isImprovement('val_accuracy', 0.9, 0.8)).toBe(true);
    expect(isImprovement('val_accuracy', 0.8, 0.9)).toBe(false);
    expect(isImprovement('val_loss', 0.29, 0.3, 0.05)).toBe(false);
  });
});

describe('BestMetricTracker', () => {
  it('reports only strict improvements, as ModelCheckpoint(save_best_only=True)', () => {
    const tracker = new BestMetricTracker('val_loss');
    expect(
      [0.5, 0.4, 0.4, 0.45, 0.3].map((value, index) =>
        tracker.update(index + 1, { val_loss: value }),
      ),
    ).toEqual([true, true, false, false, true]);
    expect(tracker.bestEpoch).toBe(5);
  });
});

describe('EarlyStopping', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterEach(() => tf.disposeVariables());

  it('stops after `patience` epochs without improvement and restores the best weights', () => {
    const model = tinyModel();
    const stopper = new EarlyStopping({
      monitor: 'val_loss',
      patience: 2,
      minDelta: 0,
      restoreBestWeights: true,
    });
    // The seed notebook's run: best val_loss at epoch 5, stopped after epoch 7.
    const valLosses = [0.3283, 0.2821, 0.2594, 0.2387, 0.2278, 0.2297, 0.2286, 0.2];
    let stoppedAt = 0;
    for (const [index, valLoss] of valLosses.entries()) {
      setKernel(model, index + 1);
      if (stopper.onEpochEnd(index + 1, { val_loss: valLoss }, model)) {
        stoppedAt = index + 1;
        break;
      }
    }
    expect(stoppedAt).toBe(7);
    expect(stopper.bestEpoch).toBe(5);
    expect(stopper.restored).toBe(true);
    expect(kernelOf(model)).toBe(5);
    stopper.dispose();
    model.dispose();
  });

  it('keeps the last weights when restoreBestWeights is off', () => {
    const model = tinyModel();
    const stopper = new EarlyStopping({
      monitor: 'val_loss',
      patience: 1,
      minDelta: 0,
      restoreBestWeights: false,
    });
    setKernel(model, 1);
    expect(stopper.onEpochEnd(1, { val_loss: 0.5 }, model)).toBe(false);
    setKernel(model, 2);
    expect(stopper.onEpochEnd(2, { val_loss: 0.6 }, model)).toBe(true);
    expect(kernelOf(model)).toBe(2);
    model.dispose();
  });

  it('never stops on the first epoch, even with patience 0', () => {
    const model = tinyModel();
    const stopper = new EarlyStopping({
      monitor: 'val_loss',
      patience: 0,
      minDelta: 0,
      restoreBestWeights: true,
    });
    expect(stopper.onEpochEnd(1, { val_loss: 0.5 }, model)).toBe(false);
    expect(stopper.onEpochEnd(2, { val_loss: 0.4 }, model)).toBe(true);
    stopper.dispose();
    model.dispose();
  });

  it('does not leak the weight copies it keeps', () => {
    const model = tinyModel();
    const before = tf.memory().numTensors;
    const stopper = new EarlyStopping({
      monitor: 'val_loss',
      patience: 5,
      minDelta: 0,
      restoreBestWeights: true,
    });
    for (let epoch = 1; epoch <= 4; epoch += 1)
      stopper.onEpochEnd(epoch, { val_loss: 1 / epoch }, model);
    stopper.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
