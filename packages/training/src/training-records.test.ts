import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initializeBackend } from '@convoy/backend';
import { ARTIFACT_FILES } from '@convoy/core';
import { buildModel } from '@convoy/model';
import {
  batchScalarsSchema,
  DISTRIBUTION_QUANTILES,
  modelSpecSchema,
  weightDistributionsSchema,
  type TrainingParams,
} from '@convoy/schemas';
import { LocalArtifactStore, UploadQueue } from '@convoy/storage';
import type { LabelledTensors } from './labelled-tensors.js';
import { trainModel } from './train.js';
import {
  BatchScalarRecorder,
  defaultScalarInterval,
  DistributionRecorder,
  quantileOfSorted,
  readTrainingRecords,
  scalarsUpTo,
  trainingRecordsUpload,
} from './training-records.js';

const tinySpec = modelSpecSchema.parse({
  layers: [
    { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'maxPooling2d', poolSize: 4 },
    { type: 'flatten' },
    { type: 'dense', units: 16, activation: 'relu' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
});

const params: Pick<
  TrainingParams,
  'epochs' | 'batchSize' | 'seed' | 'optimizer' | 'earlyStopping' | 'checkpoint'
> = {
  epochs: 3,
  batchSize: 16,
  seed: 3,
  optimizer: { name: 'adam', learningRate: 0.01 },
  earlyStopping: false,
  checkpoint: { monitor: 'val_loss', saveBestOnly: true },
};

/** The class is which horizontal band of the image is bright: learnable in a few epochs. */
function bandData(count: number, seed: number): LabelledTensors {
  return tf.tidy(() => {
    const labels = tf.floor(tf.randomUniform([count], 0, 10, 'float32', seed));
    const rows = tf.reshape(tf.floor(tf.div(tf.range(0, 28), 2.8)), [1, 28, 1, 1]);
    const band = tf.cast(tf.equal(rows, tf.reshape(labels, [count, 1, 1, 1])), 'float32');
    const noise = tf.randomUniform([count, 28, 28, 1], 0, 0.3, 'float32', seed + 1);
    const xs = tf.clipByValue(tf.add(tf.mul(tf.tile(band, [1, 1, 28, 1]), 0.7), noise), 0, 1);
    return { xs: xs as tf.Tensor4D, ys: labels as tf.Tensor1D };
  });
}

describe('BatchScalarRecorder', () => {
  const batch = (epoch: number, index: number, loss: number, correct: number) => ({
    epoch,
    batch: index,
    batches: 5,
    loss,
    correct,
    images: 10,
  });

  it('takes a point every N batches and at the end of each epoch, averaging the batches between', () => {
    const recorder = new BatchScalarRecorder(5, 2);
    [1, 3, 5, 7, 9].forEach((loss, index) => recorder.add(batch(1, index, loss, index * 2)));
    recorder.add(batch(2, 0, 2, 10));
    recorder.add(batch(2, 1, 4, 10));
    const scalars = batchScalarsSchema.parse(recorder.toJSON());
    expect(scalars.step).toEqual([2, 4, 5, 7]);
    expect(scalars.epoch).toEqual([1, 1, 1, 2]);
    expect(scalars.loss).toEqual([2, 6, 9, 3]);
    expect(scalars.accuracy).toEqual([2 / 20, 10 / 20, 8 / 10, 1]);
    expect(scalars).toMatchObject({ every: 2, batchesPerEpoch: 5, version: 1 });
  });

  it('weights each batch by its images (a short last batch counts less)', () => {
    const recorder = new BatchScalarRecorder(2, 2);
    recorder.add({ epoch: 1, batch: 0, batches: 2, loss: 1, correct: 30, images: 30 });
    recorder.add({ epoch: 1, batch: 1, batches: 2, loss: 3, correct: 0, images: 10 });
    expect(recorder.toJSON().loss).toEqual([(30 + 30) / 40]);
    expect(recorder.toJSON().accuracy).toEqual([30 / 40]);
  });

  it('takes ~100 points an epoch by default, every batch for small epochs', () => {
    expect(defaultScalarInterval(1500)).toBe(15);
    expect(defaultScalarInterval(8)).toBe(1);
    expect(() => new BatchScalarRecorder(5, 0)).toThrow(RangeError);
  });

  it('cuts the points at a resume position and continues after them', () => {
    const recorder = new BatchScalarRecorder(5, 1);
    for (let index = 0; index < 5; index += 1) recorder.add(batch(1, index, index, 1));
    recorder.add(batch(2, 0, 9, 1));
    const cut = scalarsUpTo(recorder.toJSON(), 3);
    expect(cut.step).toEqual([1, 2, 3]);
    const resumed = new BatchScalarRecorder(5, 1, cut);
    resumed.add(batch(1, 3, 7, 1));
    expect(resumed.toJSON().step).toEqual([1, 2, 3, 4]);
    expect(resumed.toJSON().loss).toEqual([0, 1, 2, 7]);
  });
});

describe('quantileOfSorted', () => {
  it('interpolates linearly, as numpy.quantile', () => {
    const sorted = Float32Array.from([1, 2, 3, 4, 5]);
    expect(quantileOfSorted(sorted, 0)).toBe(1);
    expect(quantileOfSorted(sorted, 1)).toBe(5);
    expect(quantileOfSorted(sorted, 0.5)).toBe(3);
    expect(quantileOfSorted(sorted, 0.1)).toBeCloseTo(1.4, 6);
    expect(quantileOfSorted(Float32Array.from([7]), 0.3)).toBe(7);
  });
});

describe('recording while training (wasm)', () => {
  let directory = '';
  beforeAll(async () => {
    await initializeBackend('wasm');
    directory = await mkdtemp(join(tmpdir(), 'convoy-records-'));
  });
  afterAll(async () => rm(directory, { recursive: true, force: true }));

  it('records per-batch scalars and per-epoch distributions without keeping tensors', async () => {
    const train = bandData(96, 1);
    const validation = bandData(32, 2);
    const model = buildModel(tinySpec, { seed: 5 });
    const scalars = new BatchScalarRecorder(6, 2);
    const distributions = new DistributionRecorder();
    await distributions.add(0, model);
    const counts: number[] = [];
    const result = await trainModel({
      model,
      train,
      validation,
      params,
      onBatchEnd: (end) => scalars.add(end),
      onEpochWeights: async (current, epoch) => {
        const before = tf.memory().numTensors;
        await distributions.add(epoch, current);
        expect(tf.memory().numTensors).toBe(before);
      },
      onEpochEnd: () => {
        counts.push(tf.memory().numTensors);
      },
    });
    // The tensor count does not grow from epoch to epoch.
    expect(new Set(counts).size).toBe(1);

    const recorded = batchScalarsSchema.parse(scalars.toJSON());
    expect(recorded.step).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(recorded.epoch).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3]);
    // The epoch's mean of the points is the epoch's training loss (equal-sized windows).
    for (const record of result.history) {
      const losses = recorded.loss.filter((_, index) => recorded.epoch[index] === record.epoch);
      const mean = losses.reduce((total, loss) => total + loss, 0) / losses.length;
      expect(mean).toBeCloseTo(record.loss, 4);
    }

    const record = weightDistributionsSchema.parse(distributions.toJSON());
    expect(record.quantiles).toEqual([...DISTRIBUTION_QUANTILES]);
    expect(record.epochs.map((entry) => entry.epoch)).toEqual([0, 1, 2, 3]);
    expect(record.weights.map((weight) => `${weight.layer}/${weight.weight}`)).toEqual([
      'conv2d/kernel',
      'conv2d/bias',
      'dense/kernel',
      'dense/bias',
      'dense_1/kernel',
      'dense_1/bias',
    ]);
    expect(record.weights[2]).toMatchObject({ layerIndex: 3, className: 'Dense', size: 196 * 16 });
    // Epoch 0 is the untrained model: zero biases; training moves them.
    const bias = record.epochs.map((entry) => entry.values[1] ?? []);
    expect(bias[0]).toEqual(new Array(9).fill(0));
    expect(bias[3]?.some((value) => value !== 0)).toBe(true);
    // Each epoch's last quantile is the kernel's max.
    const kernel = (await model.layers[0]?.getWeights()[0]?.data()) ?? new Float32Array();
    expect(record.epochs[3]?.values[0]?.[8]).toBeCloseTo(Math.max(...kernel), 6);

    // Written as an upload, read back cut at a resume position (epoch 2 of 6 batches, batch 1).
    const artifacts = new LocalArtifactStore(directory).job('train_records1');
    const queue = new UploadQueue(artifacts);
    await queue.add(trainingRecordsUpload(scalars, distributions));
    await queue.flush();
    expect(await artifacts.stat(ARTIFACT_FILES.scalars)).not.toBeNull();
    const earlier = await readTrainingRecords(artifacts, {
      epoch: 2,
      batch: 1,
      batchesPerEpoch: 6,
    });
    expect(earlier.scalars?.step).toEqual([2, 4, 6, 8, 10, 12]);
    expect(earlier.distributions?.epochs.map((entry) => entry.epoch)).toEqual([0, 1, 2]);
    // A recorder resumed from it replaces epoch 3 rather than adding a second one.
    const resumed = new DistributionRecorder(earlier.distributions);
    await resumed.add(3, model);
    expect(resumed.toJSON()?.epochs.map((entry) => entry.epoch)).toEqual([0, 1, 2, 3]);

    model.dispose();
    tf.dispose([train.xs, train.ys, validation.xs, validation.ys]);
  });

  it('reads nothing for a job without records, and ignores a file that does not parse', async () => {
    const artifacts = new LocalArtifactStore(directory).job('train_records2');
    const position = { epoch: 1, batch: 0, batchesPerEpoch: 4 };
    expect(await readTrainingRecords(artifacts, position)).toEqual({});
    await artifacts.write(ARTIFACT_FILES.scalars, '{"version":1,');
    expect(await readTrainingRecords(artifacts, position)).toEqual({});
  });
});
