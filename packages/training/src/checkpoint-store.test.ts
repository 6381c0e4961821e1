import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelSpecSchema, type TrainingParams } from '@convoy/schemas';
import { createLocalJobArtifacts } from '@convoy/storage';
import { initializeBackend } from '@convoy/backend';
import { buildModel } from '@convoy/model';
import { disposeResumeState, loadCheckpoint, writeCheckpoint } from './checkpoint-store.js';
import { TrainingAbortedError } from './errors.js';
import type { LabelledTensors } from './labelled-tensors.js';
import { trainModel } from './train.js';

const spec = modelSpecSchema.parse({
  layers: [
    { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'maxPooling2d', poolSize: 4 },
    { type: 'flatten' },
    { type: 'dense', units: 16, activation: 'relu' },
    { type: 'dropout', rate: 0.25 },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
});
const params: Pick<
  TrainingParams,
  'epochs' | 'batchSize' | 'seed' | 'optimizer' | 'earlyStopping' | 'checkpoint'
> = {
  epochs: 3,
  batchSize: 16,
  seed: 5,
  optimizer: { name: 'adam', learningRate: 0.01 },
  earlyStopping: { monitor: 'val_loss', patience: 5, minDelta: 0, restoreBestWeights: true },
  checkpoint: { monitor: 'val_loss', saveBestOnly: true },
};

function randomData(count: number, seed: number): LabelledTensors {
  return tf.tidy(() => ({
    xs: tf.randomUniform([count, 28, 28, 1], 0, 1, 'float32', seed) as tf.Tensor4D,
    ys: tf.floor(tf.randomUniform([count], 0, 10, 'float32', seed + 1)) as tf.Tensor1D,
  }));
}

const weightsOf = (model: { getWeights(): tf.Tensor[] }) =>
  model.getWeights().map((weight) => Array.from(weight.dataSync()));

function expectClose(actual: number[][], expected: number[][]) {
  expect(actual.length).toBe(expected.length);
  actual.forEach((values, index) => {
    const reference = expected[index] ?? [];
    const worst = Math.max(
      ...values.map((value, at) => Math.abs(value - (reference[at] ?? Number.NaN))),
    );
    expect(worst).toBeLessThan(1e-4);
  });
}

describe('checkpoint and resume', () => {
  let directory: string;
  let train: LabelledTensors;
  let validation: LabelledTensors;
  beforeAll(async () => {
    await initializeBackend('wasm');
    directory = await mkdtemp(join(tmpdir(), 'convoy-checkpoint-'));
    train = randomData(96, 1);
    validation = randomData(32, 3);
  });
  afterAll(async () => {
    tf.dispose([train.xs, train.ys, validation.xs, validation.ys]);
    await rm(directory, { recursive: true, force: true });
  });

  async function uninterrupted() {
    const model = buildModel(spec, { seed: params.seed });
    const result = await trainModel({ model, train, validation, params });
    const weights = weightsOf(model);
    model.dispose();
    return { weights, history: result.history };
  }

  it.each([
    ['mid-epoch (epoch 2, after batch 3)', 2, 3],
    ['at an epoch boundary (after epoch 1)', 2, 0],
  ])('resuming %s trains exactly as an uninterrupted run', async (_label, stopEpoch, stopBatch) => {
    const baseline = tf.memory().numTensors;
    const reference = await uninterrupted();
    const artifacts = createLocalJobArtifacts(join(directory, `job-${stopEpoch}-${stopBatch}`));
    const controller = new AbortController();
    const first = buildModel(spec, { seed: params.seed });
    const stopped = trainModel({
      model: first,
      train,
      validation,
      params,
      signal: controller.signal,
      progressIntervalMs: 0,
      onSnapshot: (snapshot) => writeCheckpoint(artifacts, snapshot),
      onProgress: (progress) => {
        const atBoundary =
          stopBatch === 0 &&
          progress.epoch === stopEpoch - 1 &&
          progress.batch === progress.batches;
        if (atBoundary || (progress.epoch === stopEpoch && progress.batch === stopBatch))
          controller.abort();
      },
    });
    await expect(stopped).rejects.toBeInstanceOf(TrainingAbortedError);
    first.dispose();

    const second = buildModel(spec, { seed: 999 }); // different init: the checkpoint must overwrite it
    const checkpoint = await loadCheckpoint(artifacts, second);
    expect(checkpoint?.epoch).toBe(stopEpoch - 1);
    expect(checkpoint?.resume.partialEpoch?.batch ?? 0).toBe(stopBatch);
    // The first attempt's work travels in the checkpoint: 96 images an epoch, batches of 16.
    const before = checkpoint?.resume.totals;
    expect(before?.images).toBe((stopEpoch - 1) * 96 + stopBatch * 16);
    expect(before?.stepSeconds).toBeGreaterThan(0);
    expect(before?.seconds).toBeGreaterThan(before?.stepSeconds ?? 0);
    const resumed = await trainModel({
      model: second,
      train,
      validation,
      params,
      resumeFrom: checkpoint?.resume,
    });
    expect(resumed.resumedFromEpoch).toBe(stopEpoch - 1);
    expect(resumed.history.map((record) => record.epoch)).toEqual([1, 2, 3]);
    // Seconds and throughput describe both attempts: every epoch's time is in the total.
    const epochSeconds = resumed.history.reduce((sum, record) => sum + record.seconds, 0);
    expect(resumed.seconds).toBeGreaterThan(before?.seconds ?? Number.NaN);
    expect(resumed.seconds).toBeGreaterThanOrEqual(epochSeconds * 0.99);
    expect(resumed.imagesPerSecond).toBeGreaterThan((3 * 96) / resumed.seconds);
    resumed.history.forEach((record, index) => {
      expect(record.loss).toBeCloseTo(reference.history[index]?.loss ?? Number.NaN, 4);
      expect(record.val_loss).toBeCloseTo(reference.history[index]?.val_loss ?? Number.NaN, 4);
    });
    expectClose(weightsOf(second), reference.weights);
    second.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
    // Only the latest checkpoint's files remain.
    const files = (await artifacts.list('checkpoint')).map((info) => info.path);
    expect(files.filter((path) => path.endsWith('.bin')).length).toBeLessThanOrEqual(3);
    expect(files).toContain('checkpoint/state.json');
  });

  it('a resume with nothing left to train (killed after the last checkpoint) reports the first attempt’s totals, not zero', async () => {
    const artifacts = createLocalJobArtifacts(join(directory, 'finished'));
    const first = buildModel(spec, { seed: params.seed });
    const done = await trainModel({
      model: first,
      train,
      validation,
      params: { ...params, epochs: 2 },
      onSnapshot: (snapshot) => writeCheckpoint(artifacts, snapshot),
    });
    first.dispose();
    const second = buildModel(spec, { seed: params.seed });
    const checkpoint = await loadCheckpoint(artifacts, second);
    expect(checkpoint?.epoch).toBe(2);
    expect(checkpoint?.resume.totals?.images).toBe(2 * 96);
    const resumed = await trainModel({
      model: second,
      train,
      validation,
      params: { ...params, epochs: 2 },
      resumeFrom: checkpoint?.resume,
    });
    second.dispose();
    expect(resumed.history.map((record) => record.epoch)).toEqual([1, 2]);
    expect(resumed.seconds).toBeGreaterThanOrEqual(checkpoint?.resume.totals?.seconds ?? Infinity);
    expect(resumed.seconds).toBeLessThan(done.seconds * 1.5 + 1);
    // Same images over the same step time: the first attempt's throughput.
    expect(resumed.imagesPerSecond).toBeCloseTo(done.imagesPerSecond, 0);
  });

  it('reads a checkpoint written before totals were kept: the resumed run counts from zero', async () => {
    const artifacts = createLocalJobArtifacts(join(directory, 'no-totals'));
    const model = buildModel(spec, { seed: params.seed });
    await trainModel({
      model,
      train,
      params: { ...params, epochs: 1, checkpoint: { monitor: 'loss', saveBestOnly: true } },
      onSnapshot: (snapshot) => writeCheckpoint(artifacts, snapshot),
    });
    const state = JSON.parse((await artifacts.read('checkpoint/state.json')).toString('utf8'));
    delete state.totals;
    await artifacts.write('checkpoint/state.json', `${JSON.stringify(state)}\n`);
    const checkpoint = await loadCheckpoint(artifacts, model);
    expect(checkpoint?.epoch).toBe(1);
    expect(checkpoint?.resume.totals).toBeNull();
    if (checkpoint) disposeResumeState(checkpoint.resume);
    model.dispose();
  });

  it('returns null without a checkpoint, and frees a loaded one that is not used', async () => {
    const artifacts = createLocalJobArtifacts(join(directory, 'empty'));
    const model = buildModel(spec, { seed: 1 });
    expect(await loadCheckpoint(artifacts, model)).toBeNull();
    const before = tf.memory().numTensors;
    await trainModel({
      model,
      train,
      params: { ...params, epochs: 1, checkpoint: { monitor: 'loss', saveBestOnly: true } },
      onSnapshot: (snapshot) => writeCheckpoint(artifacts, snapshot),
    });
    const checkpoint = await loadCheckpoint(artifacts, model);
    expect(checkpoint?.epoch).toBe(1);
    if (checkpoint) disposeResumeState(checkpoint.resume);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
