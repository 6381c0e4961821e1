import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalJobArtifacts } from '@convoy/storage';
import { buildModel } from './build-model.js';
import { ModelArtifactError } from './errors.js';
import { loadModel, saveModel } from './model-io.js';

describe('model files', () => {
  let directory: string;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    directory = await mkdtemp(join(tmpdir(), 'convoy-model-io-'));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('saves in tfjs layers format and loads back the same model', async () => {
    const artifacts = createLocalJobArtifacts(join(directory, 'job-a'));
    const model = buildModel({ preset: 'cnn-avgpool' }, { seed: 3 });
    await saveModel(model, artifacts, 'model');
    const files = (await readdir(join(directory, 'job-a', 'model'))).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toBe('model.json');
    expect(files[1]).toMatch(/^weights-[0-9a-z]+\.bin$/);
    const loaded = await loadModel(artifacts, 'model');
    expect(loaded.layers.map((layer) => layer.name)).toEqual(
      model.layers.map((layer) => layer.name),
    );
    const input = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 1);
    const [expected, actual] = [
      model.predict(input) as tf.Tensor,
      loaded.predict(input) as tf.Tensor,
    ];
    expect(Array.from(actual.dataSync())).toEqual(Array.from(expected.dataSync()));
    tf.dispose([input, expected, actual]);
    model.dispose();
    loaded.dispose();
  });

  it('replaces a saved model whole, leaving only the newest weights file', async () => {
    const artifacts = createLocalJobArtifacts(join(directory, 'job-b'));
    const first = buildModel({ preset: 'cnn-avgpool' }, { seed: 1 });
    const second = buildModel({ preset: 'cnn-avgpool' }, { seed: 2 });
    await saveModel(first, artifacts, 'model');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await saveModel(second, artifacts, 'model');
    const loaded = await loadModel(artifacts, 'model');
    expect(Array.from(loaded.getWeights()[0]?.dataSync() ?? [])).toEqual(
      Array.from(second.getWeights()[0]?.dataSync() ?? []),
    );
    expect(
      (await artifacts.list('model')).filter((info) => info.path.endsWith('.bin')),
    ).toHaveLength(1);
    [first, second, loaded].forEach((model) => model.dispose());
  });

  it('names the job and directory when a model is missing or corrupt', async () => {
    const artifacts = createLocalJobArtifacts(join(directory, 'job-c'));
    await expect(loadModel(artifacts, 'absent')).rejects.toBeInstanceOf(ModelArtifactError);
    const model = buildModel({ preset: 'cnn-avgpool' }, { seed: 1 });
    await saveModel(model, artifacts, 'model');
    model.dispose();
    await writeFile(join(directory, 'job-c', 'model', 'model.json'), '{"modelTopology": ');
    await expect(loadModel(artifacts, 'model')).rejects.toThrow(/model\/ of job-c/);
  });
});
