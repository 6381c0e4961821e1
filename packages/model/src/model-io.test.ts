import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from './build-model.js';
import { ModelArtifactError } from './errors.js';
import { loadModel, replaceSavedModel, saveModel } from './model-io.js';

describe('model files', () => {
  let directory: string;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    directory = await mkdtemp(join(tmpdir(), 'convoy-model-io-'));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('saves in tfjs layers format and loads back the same model', async () => {
    const model = buildModel({ preset: 'cnn-avgpool' }, { seed: 3 });
    await saveModel(model, join(directory, 'saved'));
    expect((await readdir(join(directory, 'saved'))).sort()).toEqual(['model.json', 'weights.bin']);
    const loaded = await loadModel(join(directory, 'saved'));
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

  it('replaces a saved model whole, leaving no staging directory', async () => {
    const first = buildModel({ preset: 'cnn-avgpool' }, { seed: 1 });
    const second = buildModel({ preset: 'cnn-avgpool' }, { seed: 2 });
    await replaceSavedModel(first, join(directory, 'best'));
    await replaceSavedModel(second, join(directory, 'best'));
    const loaded = await loadModel(join(directory, 'best'));
    expect(Array.from(loaded.getWeights()[0]?.dataSync() ?? [])).toEqual(
      Array.from(second.getWeights()[0]?.dataSync() ?? []),
    );
    expect((await readdir(directory)).filter((name) => name.includes('staging'))).toEqual([]);
    [first, second, loaded].forEach((model) => model.dispose());
  });

  it('names the directory when a model is missing or corrupt', async () => {
    await expect(loadModel(join(directory, 'absent'))).rejects.toBeInstanceOf(ModelArtifactError);
    const model = buildModel({ preset: 'cnn-avgpool' }, { seed: 1 });
    await saveModel(model, join(directory, 'corrupt'));
    model.dispose();
    await writeFile(join(directory, 'corrupt', 'model.json'), '{"modelTopology": ');
    await expect(loadModel(join(directory, 'corrupt'))).rejects.toThrow(/corrupt/);
  });
});
