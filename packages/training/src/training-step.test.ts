import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initializeBackend } from '@convoy/backend';
import { buildModel } from '@convoy/model';
import { modelSpecSchema, type TrainingParams } from '@convoy/schemas';
import type { LabelledTensors } from './labelled-tensors.js';
import { createOptimizer } from './optimizer.js';
import { trainModel } from './train.js';
import { startTrainingStep } from './training-step.js';

// Both conv layers, both poolings, dense and dropout: every kernel a step runs on a replica.
const spec = modelSpecSchema.parse({
  layers: [
    { type: 'conv2d', filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'maxPooling2d', poolSize: 2 },
    { type: 'conv2d', filters: 8, kernelSize: 3, padding: 'valid', activation: 'relu' },
    { type: 'averagePooling2d', poolSize: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 32, activation: 'relu' },
    { type: 'dropout', rate: 0.4 },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
});

const params = (
  batchSize: number,
): Pick<
  TrainingParams,
  'epochs' | 'batchSize' | 'seed' | 'optimizer' | 'earlyStopping' | 'checkpoint'
> => ({
  epochs: 2,
  batchSize,
  seed: 5,
  optimizer: { name: 'adam', learningRate: 0.002 },
  earlyStopping: false,
  checkpoint: { monitor: 'loss', saveBestOnly: true },
});

function randomData(count: number): LabelledTensors {
  return {
    xs: tf.randomUniform([count, 28, 28, 1], 0, 1, 'float32', 3) as tf.Tensor4D,
    ys: tf.floor(tf.randomUniform([count], 0, 10, 'float32', 4)) as tf.Tensor1D,
  };
}

async function train(data: LabelledTensors, threads: number, batchSize: number) {
  const model = buildModel(spec, { seed: 11 });
  try {
    const result = await trainModel({ model, train: data, params: params(batchSize), threads });
    return { result, weights: model.getWeights().map((weight) => weight.dataSync().slice()) };
  } finally {
    model.dispose();
  }
}

function maxAbsDifference(a: tf.TypedArray, b: tf.TypedArray): number {
  let max = 0;
  for (let index = 0; index < a.length; index += 1) {
    max = Math.max(max, Math.abs((a[index] ?? 0) - (b[index] ?? Number.NaN)));
  }
  return max;
}

beforeAll(async () => {
  await initializeBackend('wasm');
});

describe('data-parallel training', () => {
  // 150 images in batches of 32 (and one of 22): even and uneven shards, and a short last batch.
  it.each([
    { threads: 2, batchSize: 32 },
    { threads: 3, batchSize: 32 },
    { threads: 2, batchSize: 25 },
  ])('$threads threads train the model one thread trains (batch $batchSize)', async (c) => {
    const data = randomData(150);
    try {
      const single = await train(data, 1, c.batchSize);
      const parallel = await train(data, c.threads, c.batchSize);
      expect(single.result.threads).toBe(1);
      expect(parallel.result.threads).toBe(c.threads);
      parallel.result.history.forEach((record, index) => {
        const reference = single.result.history[index];
        expect(record.loss).toBeCloseTo(reference?.loss ?? Number.NaN, 5);
        expect(record.accuracy).toBe(reference?.accuracy);
      });
      // Weights moved by training (so the comparison means something) and agree to float rounding.
      const initial = buildModel(spec, { seed: 11 });
      const untrained = initial.getWeights().map((weight) => weight.dataSync().slice());
      initial.dispose();
      single.weights.forEach((weights, index) => {
        expect(maxAbsDifference(weights, untrained[index]!)).toBeGreaterThan(1e-3);
        expect(maxAbsDifference(weights, parallel.weights[index]!)).toBeLessThan(1e-4);
      });
    } finally {
      tf.dispose([data.xs, data.ys]);
    }
  });

  it('keeps no tensors across parallel runs', async () => {
    const data = randomData(64);
    try {
      await train(data, 2, 16);
      const before = tf.memory().numTensors;
      await train(data, 2, 16);
      await train(data, 2, 16);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      tf.dispose([data.xs, data.ys]);
    }
  });
});

describe('startTrainingStep', () => {
  /** One step of `threads` on a fresh model: its result and the weights it leaves. */
  async function oneStep(data: LabelledTensors, threads: number) {
    const model = buildModel(spec, { seed: 11 });
    const optimizer = createOptimizer({ name: 'adam', learningRate: 0.002 });
    const step = await startTrainingStep({
      model,
      optimizer,
      train: data,
      threads,
      maxBatchSize: 8,
    });
    try {
      const result = await step.run(Int32Array.of(5, 1, 7, 3, 0, 6, 2), 123);
      return { result, weights: model.getWeights().map((weight) => weight.dataSync().slice()) };
    } finally {
      await step.dispose();
      optimizer.dispose();
      model.dispose();
    }
  }

  it('takes the same step on replica threads as on this thread, and frees what it held', async () => {
    const data = randomData(8);
    try {
      await oneStep(data, 2); // first use compiles kernels and allocates the wasm heap
      const before = tf.memory().numTensors;
      const single = await oneStep(data, 1);
      const replicas = await oneStep(data, 2);
      expect(tf.memory().numTensors).toBe(before);
      expect(replicas.result.loss).toBeCloseTo(single.result.loss, 5);
      expect(replicas.result.correct).toBe(single.result.correct);
      // The step moved every weight (so the comparison means something), both ways alike.
      const initial = buildModel(spec, { seed: 11 });
      const untrained = initial.getWeights().map((weight) => weight.dataSync().slice());
      initial.dispose();
      single.weights.forEach((weights, index) => {
        expect(maxAbsDifference(weights, untrained[index]!)).toBeGreaterThan(1e-3);
        expect(maxAbsDifference(weights, replicas.weights[index]!)).toBeLessThan(1e-5);
      });
    } finally {
      tf.dispose([data.xs, data.ys]);
    }
  });
});
