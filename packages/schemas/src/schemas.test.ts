import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConfigError,
  configFromEnvironment,
  describeConfigIssues,
  parseConfig,
  inferLayerShapes,
  isTerminalState,
  JOB_STATES,
  MAX_MODEL_PARAMS,
  MODEL_PRESET_LAYERS,
  modelSpecSchema,
  TERMINAL_JOB_STATES,
  trainingParamsSchema,
  trainingThreadsEnvSchema,
} from './index.js';

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

describe('model presets', () => {
  it('cnn has the seed notebook shapes and 333,526 parameters', () => {
    const shapes = inferLayerShapes(MODEL_PRESET_LAYERS.cnn);
    expect(shapes.map((shape) => shape.outputShape)).toEqual([
      [28, 28, 32],
      [14, 14, 32],
      [14, 14, 64],
      [7, 7, 64],
      [3136],
      [100],
      [100],
      [10],
    ]);
    expect(shapes.map((shape) => shape.params)).toEqual([320, 0, 18496, 0, 0, 313700, 0, 1010]);
    expect(sum(shapes.map((shape) => shape.params))).toBe(333_526);
  });

  it('cnn-avgpool has the seed notebook shapes and 39,478 parameters', () => {
    const shapes = inferLayerShapes(MODEL_PRESET_LAYERS['cnn-avgpool']);
    expect(shapes.map((shape) => shape.outputShape)).toEqual([
      [28, 28, 32],
      [9, 9, 32],
      [9, 9, 32],
      [3, 3, 32],
      [288],
      [100],
      [100],
      [10],
    ]);
    expect(sum(shapes.map((shape) => shape.params))).toBe(39_478);
  });

  it('both presets pass the layer-list validation', () => {
    for (const layers of Object.values(MODEL_PRESET_LAYERS)) {
      expect(modelSpecSchema.safeParse({ layers }).success).toBe(true);
    }
  });
});

describe('trainingParamsSchema', () => {
  it('fills in the seed notebook recipe', () => {
    expect(trainingParamsSchema.parse({})).toEqual({
      model: { preset: 'cnn' },
      epochs: 10,
      batchSize: 32,
      validationSplit: 0.2,
      seed: 42,
      optimizer: { name: 'adam', learningRate: 0.001 },
      earlyStopping: { monitor: 'val_loss', patience: 2, minDelta: 0, restoreBestWeights: true },
      checkpoint: { monitor: 'val_loss', saveBestOnly: true },
      dataset: { name: 'fashion-mnist' },
    });
  });

  it('accepts earlyStopping: false and a custom layer list', () => {
    const params = trainingParamsSchema.parse({
      earlyStopping: false,
      model: {
        layers: [
          {
            type: 'conv2d',
            filters: 8,
            kernelSize: [5, 5],
            strides: 2,
            padding: 'same',
            activation: 'relu',
          },
          { type: 'flatten' },
          { type: 'dense', units: 10, activation: 'softmax' },
        ],
      },
    });
    expect(params.earlyStopping).toBe(false);
    expect('layers' in params.model && params.model.layers[0]).toMatchObject({
      dilationRate: 1,
      useBias: true,
    });
  });

  const rejected: [string, unknown][] = [
    ['epochs as a string', { epochs: '10' }],
    ['zero epochs', { epochs: 0 }],
    ['fractional batch size', { batchSize: 3.5 }],
    ['huge batch size', { batchSize: 100_000 }],
    ['negative validation split', { validationSplit: -0.1 }],
    ['unknown field', { epochz: 3 }],
    ['unknown preset', { model: { preset: 'resnet' } }],
    ['unknown layer type', { model: { layers: [{ type: 'lstm', units: 3 }] } }],
    ['empty layer list', { model: { layers: [] } }],
    ['negative learning rate', { optimizer: { learningRate: -1 } }],
    ['unknown optimizer', { optimizer: { name: 'adagrad' } }],
    [
      'dropout rate 1',
      {
        model: {
          layers: [
            { type: 'dropout', rate: 1 },
            { type: 'flatten' },
            { type: 'dense', units: 10, activation: 'softmax' },
          ],
        },
      },
    ],
    ['limit below the minimum', { dataset: { limit: 5 } }],
    ['val_loss monitor without validation data', { validationSplit: 0 }],
    [
      'a model that does not end in 10 softmax units',
      {
        model: {
          layers: [{ type: 'flatten' }, { type: 'dense', units: 7, activation: 'softmax' }],
        },
      },
    ],
    [
      'pooling that shrinks the image to nothing',
      {
        model: {
          layers: [
            { type: 'maxPooling2d', poolSize: 8 },
            { type: 'maxPooling2d', poolSize: 8 },
            { type: 'flatten' },
            { type: 'dense', units: 10, activation: 'softmax' },
          ],
        },
      },
    ],
    [
      'conv after flatten',
      {
        model: {
          layers: [
            { type: 'flatten' },
            { type: 'conv2d', filters: 2, kernelSize: 3 },
            { type: 'dense', units: 10, activation: 'softmax' },
          ],
        },
      },
    ],
    [
      'a model over the parameter bound',
      {
        model: {
          layers: [
            { type: 'flatten' },
            { type: 'dense', units: 4096 },
            { type: 'dense', units: 4096 },
            { type: 'dense', units: 10, activation: 'softmax' },
          ],
        },
      },
    ],
  ];
  it.each(rejected)('rejects %s', (_label, input) => {
    const result = trainingParamsSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues.length).toBeGreaterThan(0);
  });

  it('names the parameter bound in its error', () => {
    const result = modelSpecSchema.safeParse({
      layers: [
        { type: 'flatten' },
        { type: 'dense', units: 4096 },
        { type: 'dense', units: 4096 },
        { type: 'dense', units: 10, activation: 'softmax' },
      ],
    });
    expect(JSON.stringify(result.error?.issues)).toContain(
      MAX_MODEL_PARAMS.toLocaleString('en-US'),
    );
  });

  it('says beside the activation when the last layer lacks only softmax, and names the one given', () => {
    const layers = [{ type: 'flatten' }, { type: 'dense', units: 10, activation: 'relu' }];
    const issues = modelSpecSchema.safeParse({ layers }).error?.issues ?? [];
    expect(issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      [
        'layers.1.activation',
        "the last layer's activation must be softmax, to give the 10 class probabilities; it is relu",
      ],
    ]);
    // Wrong units too: the whole layer is named, its activation among what it is.
    const wide = modelSpecSchema.safeParse({
      layers: [{ type: 'flatten' }, { type: 'dense', units: 12, activation: 'relu' }],
    });
    expect(wide.error?.issues[0]?.path.join('.')).toBe('layers.1');
    expect(wide.error?.issues[0]?.message).toMatch(
      /it ends in dense \(relu activation\) with output \[12\]/,
    );
  });
});

describe('configuration helpers', () => {
  it('describe issues by the environment variable behind each field', () => {
    const schema = z.object({ apiPort: z.number(), token: z.string() });
    const parsed = schema.safeParse({ apiPort: 'x', token: 1 });
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    expect(describeConfigIssues(parsed.error, { apiPort: 'API_PORT' })).toMatch(
      /^API_PORT: .+; token: .+$/,
    );
  });

  it('name the variable behind a field inside a list', () => {
    const schema = z.object({ queues: z.array(z.enum(['train'])) });
    const parsed = schema.safeParse({ queues: ['train', 'sweep'] });
    if (parsed.success) throw new Error('parsed');
    expect(describeConfigIssues(parsed.error, { queues: 'WORKER_QUEUES' })).toMatch(
      /^WORKER_QUEUES \(item 1\): /,
    );
  });

  it('read the named variables, trimmed, with empty ones unset', () => {
    const names = { port: 'API_PORT', host: 'API_HOST', token: 'API_TOKEN' };
    expect(configFromEnvironment({ API_PORT: ' 8080 ', API_HOST: '', OTHER: 'x' }, names)).toEqual({
      port: '8080',
    });
  });

  it('parse options into a ConfigError that names the variables', () => {
    const schema = z.strictObject({ port: z.coerce.number().int().default(3000) });
    expect(parseConfig(schema, {}, 'test', { port: 'API_PORT' })).toEqual({ port: 3000 });
    expect(() => parseConfig(schema, { port: 'eighty' }, 'test', { port: 'API_PORT' })).toThrow(
      ConfigError,
    );
    expect(() => parseConfig(schema, { port: 'eighty' }, 'test', { port: 'API_PORT' })).toThrow(
      /^invalid test configuration: API_PORT: /,
    );
  });

  it('read TRAINING_THREADS as a positive whole number, empty as unset', () => {
    expect(trainingThreadsEnvSchema.parse('3')).toBe(3);
    expect(trainingThreadsEnvSchema.parse('')).toBeUndefined();
    expect(trainingThreadsEnvSchema.parse(undefined)).toBeUndefined();
    for (const bad of ['0', '-1', '2.5', 'two']) {
      expect(trainingThreadsEnvSchema.safeParse(bad).success).toBe(false);
    }
  });
});

describe('job states', () => {
  it('calls completed, failed and cancelled terminal, and nothing else', () => {
    expect(JOB_STATES.filter(isTerminalState)).toEqual([...TERMINAL_JOB_STATES]);
    expect(TERMINAL_JOB_STATES).toEqual(['completed', 'failed', 'cancelled']);
    expect(isTerminalState('waiting')).toBe(false);
    expect(isTerminalState('active')).toBe(false);
    expect(isTerminalState('unknown')).toBe(false);
  });
});
