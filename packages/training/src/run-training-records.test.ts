import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initializeBackend, type ActiveBackend } from '@convoy/backend';
import { ARTIFACT_FILES } from '@convoy/core';
import {
  batchScalarsSchema,
  trainingParamsSchema,
  weightDistributionsSchema,
} from '@convoy/schemas';
import { LocalArtifactStore } from '@convoy/storage';
import { TrainingAbortedError } from './errors.js';
import { runTraining } from './run-training.js';

/** The data set cache the end-to-end tests share (converted once per clone). */
const DATA_DIR =
  process.env.DATA_DIR ?? fileURLToPath(new URL('../../../var/data', import.meta.url));

const params = trainingParamsSchema.parse({
  model: {
    layers: [
      { type: 'conv2d', filters: 2, kernelSize: 3, activation: 'relu' },
      { type: 'maxPooling2d', poolSize: 4 },
      { type: 'flatten' },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
  },
  epochs: 2,
  batchSize: 30,
  dataset: { limit: 300 },
});

describe('runTraining records scalars and distributions, and keeps them across a resume', () => {
  let root = '';
  let backend: ActiveBackend;
  beforeAll(async () => {
    backend = await initializeBackend('wasm');
    root = await mkdtemp(join(tmpdir(), 'convoy-run-records-'));
  });
  afterAll(async () => rm(root, { recursive: true, force: true }));

  it('stopped after epoch 1 and resumed: one point per batch, no duplicate, epochs 0–2', async () => {
    const artifacts = new LocalArtifactStore(root).job('train_records00001');
    const stop = new AbortController();
    const common = { params, artifacts, dataDir: DATA_DIR, backend, threads: 1, scalarInterval: 1 };
    // 240 training images of 30: 8 batches an epoch. Stopped as epoch 1 ends: a checkpoint at
    // epoch 1, batch 0 of epoch 2.
    await expect(
      runTraining({ ...common, signal: stop.signal, onEpochEnd: () => stop.abort('stop') }),
    ).rejects.toBeInstanceOf(TrainingAbortedError);
    const read = async (path: string) =>
      JSON.parse(await readFile(join(root, 'train_records00001', path), 'utf8')) as unknown;
    const stopped = batchScalarsSchema.parse(await read(ARTIFACT_FILES.scalars));
    expect(stopped.step).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

    const result = await runTraining({ ...common, resume: true });
    expect(result.resumedFromEpoch).toBe(1);
    const scalars = batchScalarsSchema.parse(await read(ARTIFACT_FILES.scalars));
    expect(scalars.step).toEqual(Array.from({ length: 16 }, (_, index) => index + 1));
    expect(scalars.epoch).toEqual([...new Array(8).fill(1), ...new Array(8).fill(2)]);
    expect(scalars.loss.slice(0, 8)).toEqual(stopped.loss);
    const distributions = weightDistributionsSchema.parse(await read(ARTIFACT_FILES.distributions));
    expect(distributions.epochs.map((entry) => entry.epoch)).toEqual([0, 1, 2]);
    expect(distributions.weights.map((weight) => `${weight.layer}/${weight.weight}`)).toEqual([
      'conv2d/kernel',
      'conv2d/bias',
      'dense/kernel',
      'dense/bias',
    ]);
  });
});
