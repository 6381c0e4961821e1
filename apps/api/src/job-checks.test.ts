import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createdJobSchema, type TrainingParamsInput } from '@convoy/schemas';
import { expectError, startTestApi, type TestApi } from './api.test-helper.js';

/**
 * What the API refuses before queueing because a worker would refuse it permanently: a model
 * over the memory bound, clashing layer names, a visualization of a layer the model does not have.
 * Real API, real Redis; nothing reaches the queue.
 */

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.stop();
});

const softmax = { type: 'dense', units: 10, activation: 'softmax' } as const;
// Issue #11's model: 51,210 parameters, but each of its activations is ~1.6 GB at batch 1024.
const ACTIVATION_HEAVY: TrainingParamsInput = {
  epochs: 1,
  batchSize: 1024,
  dataset: { limit: 1300 },
  model: {
    layers: [
      { type: 'conv2d', filters: 512, kernelSize: 3, padding: 'same', activation: 'relu' },
      { type: 'maxPooling2d', poolSize: 8 },
      { type: 'flatten' },
      softmax,
    ],
  },
};

const submit = (body: unknown) => api.request('/v1/jobs', { method: 'POST', json: body });
const train = (params: unknown) => submit({ type: 'train', params });

async function queuedJobs(): Promise<number> {
  const counts = await api.queues.train.getJobCounts('waiting');
  return counts.waiting ?? 0;
}

describe('the memory budget (MAX_JOB_MEMORY_MB, default 2,048 MB)', () => {
  it("refuses issue #11's model at batch 1024 with the estimate, the bound and the largest part", async () => {
    const before = await queuedJobs();
    const error = await expectError(await train(ACTIVATION_HEAVY), 400, 'VALIDATION_FAILED');
    expect(error.message).toMatch(
      /^the model needs an estimated ([\d,]+) MB to train, over the limit of 2,048 MB \(MAX_JOB_MEMORY_MB\); the largest part is layer 0 "conv2d" \(Conv2D, output 28×28×512\): ([\d,]+) MB in a training step at batch size 1024\. To fit, lower batchSize to (\d+) or less, or make that layer smaller$/,
    );
    const [, estimate = '', largest = '', fits = ''] =
      /estimated ([\d,]+) MB.*: ([\d,]+) MB in a training step.*batchSize to (\d+)/.exec(
        error.message,
      ) ?? [];
    const number = (text: string) => Number(text.replaceAll(',', ''));
    // Activations of 1024 × 28 × 28 × 512 floats are 1.6 GB each: far over 2 GB in all.
    expect(number(estimate)).toBeGreaterThan(8 * 1024);
    expect(number(largest)).toBeGreaterThan(0.9 * number(estimate));
    expect(number(fits)).toBeGreaterThan(8);
    expect(number(fits)).toBeLessThan(1024);
    expect(error.details?.map((detail) => detail.path)).toEqual([
      'params.model.layers.0',
      'params.batchSize',
    ]);
    expect(await queuedJobs()).toBe(before);
  });

  it('accepts the batch size it says fits, and refuses one more', async () => {
    const error = await expectError(await train(ACTIVATION_HEAVY), 400, 'VALIDATION_FAILED');
    const fits = Number(/batchSize to (\d+)/.exec(error.message)?.[1]);
    expect((await train({ ...ACTIVATION_HEAVY, batchSize: fits })).status).toBe(202);
    await expectError(
      await train({ ...ACTIVATION_HEAVY, batchSize: fits + 1 }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it.each([32, 64, 128, 256, 512, 1024])(
    "accepts the notebook's model on every image at batch size %i",
    async (batchSize) => {
      for (const preset of ['cnn', 'cnn-avgpool']) {
        const response = await train({ batchSize, model: { preset } });
        expect(response.status, await response.clone().text()).toBe(202);
        createdJobSchema.parse(await response.json());
      }
    },
  );

  it('reads the bound from its configuration, and points at the model itself for a preset', async () => {
    const small = await startTestApi({ maxJobMemoryMb: 256 });
    try {
      const response = await small.request('/v1/jobs', {
        method: 'POST',
        json: { type: 'train', params: { batchSize: 1024, model: { preset: 'cnn' } } },
      });
      const error = await expectError(response, 400, 'VALIDATION_FAILED');
      expect(error.message).toMatch(
        /over the limit of 256 MB \(MAX_JOB_MEMORY_MB\); the largest part is layer 0 "conv2d" \(Conv2D, output 28×28×32\)/,
      );
      expect(error.details?.[0]?.path).toBe('params.model');
    } finally {
      await small.stop();
    }
  });
});

describe('layer names', () => {
  it('refuses a name used twice, naming both layers', async () => {
    const error = await expectError(
      await train({
        model: {
          layers: [
            { type: 'flatten', name: 'x' },
            { ...softmax, name: 'x' },
          ],
        },
      }),
      400,
      'VALIDATION_FAILED',
    );
    expect(error.details).toEqual([
      {
        path: 'params.model.layers.1.name',
        message: 'layer 1 is named "x", like layer 0: layer names must be unique',
      },
    ]);
  });

  it('refuses a name that an unnamed layer gets (Keras numbering), at the named layer', async () => {
    const error = await expectError(
      await train({
        model: {
          layers: [
            { type: 'conv2d', filters: 4, kernelSize: 3, name: 'conv2d_1' },
            { type: 'conv2d', filters: 4, kernelSize: 3 },
            { type: 'conv2d', filters: 4, kernelSize: 3 },
            { type: 'flatten' },
            softmax,
          ],
        },
      }),
      400,
      'VALIDATION_FAILED',
    );
    // Unnamed, layers 1 and 2 are conv2d and conv2d_1: the second clashes with layer 0's name.
    expect(error.details).toEqual([
      {
        path: 'params.model.layers.0.name',
        message:
          'layer 0 is named "conv2d_1", the name layer 2 (conv2d) gets when unnamed (Keras numbering: conv2d, conv2d_1, …): choose another name',
      },
    ]);
    expect(error.message).toBe(
      `invalid request body: params.model.layers.0.name: ${error.details?.[0]?.message}`,
    );
  });

  it('refuses a later user name that repeats a generated one ("dense")', async () => {
    const error = await expectError(
      await train({
        model: {
          layers: [
            { type: 'flatten' },
            { type: 'dense', units: 32 },
            { ...softmax, name: 'dense' },
          ],
        },
      }),
      400,
      'VALIDATION_FAILED',
    );
    expect(error.details?.map((detail) => detail.path)).toEqual(['params.model.layers.2.name']);
    expect(error.message).toMatch(/layer 2 is named "dense", the name layer 1 \(dense\) gets/);
  });

  it('accepts names that clash with nothing, including a generated name the model does not use', async () => {
    const response = await train({
      model: {
        layers: [
          { type: 'flatten', name: 'dense_1' },
          { type: 'dense', units: 32 },
          { ...softmax, name: 'out' },
        ],
      },
    });
    expect(response.status).toBe(202);
  });
});

describe('visualizations of layers the model does not have', () => {
  let cnnJob: string;
  let denseJob: string;

  beforeAll(async () => {
    const created = async (params: TrainingParamsInput) => {
      const response = await train(params);
      expect(response.status).toBe(202);
      const { id } = createdJobSchema.parse(await response.json());
      // The model a worker would have written; the API checks that it exists.
      await api.writeArtifact(id, 'model/model.json', '{}');
      return id;
    };
    cnnJob = await created({ model: { preset: 'cnn' } });
    denseJob = await created({
      model: { layers: [{ type: 'flatten' }, { type: 'dense', units: 64 }, softmax] },
    });
  });

  const visualize = (params: Record<string, unknown>) =>
    submit({ type: 'visualize', params: { jobId: cnnJob, ...params } });
  const CONV_LAYERS = 'filters takes a Conv2D layer: 0 conv2d (Conv2D), 2 conv2d_1 (Conv2D)';

  it.each([
    [
      'an unknown layer name',
      { kind: 'filters', layer: 'no_such_layer' },
      `the model has no layer named "no_such_layer"; ${CONV_LAYERS}`,
    ],
    [
      'a layer index past the end',
      { kind: 'filters', layer: 63 },
      `layer index 63 is out of range: the model has layers 0 to 7; ${CONV_LAYERS}`,
    ],
    [
      'filters of a dense layer',
      { kind: 'filters', layer: 'dense' },
      "filters needs a Conv2D layer, and layer 5 dense (Dense) is not one; the model's are 0 conv2d (Conv2D), 2 conv2d_1 (Conv2D)",
    ],
    [
      'feature maps of a layer without a conv output (flatten)',
      { kind: 'feature-maps', layer: 4 },
      "feature-maps needs a Conv2D layer, and layer 4 flatten (Flatten) is not one; the model's are 0 conv2d (Conv2D), 2 conv2d_1 (Conv2D)",
    ],
    [
      'a weights histogram of a pooling layer',
      { kind: 'weights-histogram', layer: 'max_pooling2d' },
      "weights-histogram needs a layer with weights (Conv2D or Dense), and layer 1 max_pooling2d (MaxPooling2D) is not one; the model's are 0 conv2d (Conv2D), 2 conv2d_1 (Conv2D), 5 dense (Dense), 7 dense_1 (Dense)",
    ],
  ])('%s → 400 listing the layers that kind takes', async (_name, params, message) => {
    const before = await api.queues.visualize.getJobCounts('waiting');
    const error = await expectError(await visualize(params), 400, 'VALIDATION_FAILED');
    expect(error.details).toEqual([{ path: 'params.layer', message }]);
    expect(error.message).toBe(`invalid request body: params.layer: ${message}`);
    expect(await api.queues.visualize.getJobCounts('waiting')).toEqual(before);
  });

  it('refuses a default conv layer of a model without one, at params.kind', async () => {
    const error = await expectError(
      await submit({ type: 'visualize', params: { jobId: denseJob, kind: 'feature-maps' } }),
      400,
      'VALIDATION_FAILED',
    );
    expect(error.details).toEqual([
      {
        path: 'params.kind',
        message:
          'feature-maps needs a conv layer, and the model has none (its layers are 0 flatten (Flatten), 1 dense (Dense), 2 dense_1 (Dense))',
      },
    ]);
  });

  it('queues the layers the model has, by name or index, and kinds without a layer', async () => {
    for (const params of [
      { kind: 'filters', layer: 'conv2d_1' },
      { kind: 'feature-maps', layer: 0 },
      { kind: 'feature-maps' },
      { kind: 'weights-histogram', layer: 'dense_1' },
      { kind: 'predictions', sample: 3 },
      { kind: 'confusion-matrix' },
    ]) {
      const response = await visualize(params);
      expect(response.status, JSON.stringify(params)).toBe(202);
    }
    const dense = await submit({
      type: 'visualize',
      params: { jobId: denseJob, kind: 'weights-histogram', layer: 1 },
    });
    expect(dense.status).toBe(202);
  });
});
