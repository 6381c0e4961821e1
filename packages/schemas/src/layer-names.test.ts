import { describe, expect, it } from 'vitest';
import { findLayerNameClashes, kerasLayerNames } from './layer-names.js';
import { modelSpecSchema, type LayerSpecInput } from './model-spec.js';
import { MODEL_PRESET_LAYERS } from './presets.js';

const softmax: LayerSpecInput = { type: 'dense', units: 10, activation: 'softmax' };
const conv = (name?: string): LayerSpecInput => ({
  type: 'conv2d',
  filters: 4,
  kernelSize: 3,
  ...(name ? { name } : {}),
});

describe('kerasLayerNames', () => {
  it('numbers unnamed layers per type as Keras does, and keeps given names without a number', () => {
    expect(kerasLayerNames(MODEL_PRESET_LAYERS.cnn)).toEqual([
      'conv2d',
      'max_pooling2d',
      'conv2d_1',
      'max_pooling2d_1',
      'flatten',
      'dense',
      'dropout',
      'dense_1',
    ]);
    expect(
      kerasLayerNames([
        { type: 'conv2d', name: 'first' },
        { type: 'conv2d' },
        { type: 'flatten' },
        { type: 'dense' },
      ]),
    ).toEqual(['first', 'conv2d', 'flatten', 'dense']);
  });
});

describe('layer name clashes', () => {
  it('finds a given name used twice, and a given name an unnamed layer also gets', () => {
    expect(
      findLayerNameClashes([
        { type: 'flatten', name: 'x' },
        { type: 'dense', name: 'x' },
      ]),
    ).toEqual([{ name: 'x', index: 1, firstIndex: 0 }]);
    expect(
      findLayerNameClashes([
        { type: 'flatten' },
        { type: 'dense' },
        { type: 'dense', name: 'dense' },
      ]),
    ).toEqual([{ name: 'dense', index: 2, firstIndex: 1 }]);
    expect(findLayerNameClashes(MODEL_PRESET_LAYERS.cnn)).toEqual([]);
  });

  it('makes the schema refuse the model at the named layer, with the index and the name', () => {
    const result = modelSpecSchema.safeParse({
      layers: [conv('conv2d_1'), conv(), conv(), { type: 'flatten' }, softmax],
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      [
        'layers.0.name',
        'layer 0 is named "conv2d_1", the name layer 2 (conv2d) gets when unnamed (Keras numbering: conv2d, conv2d_1, …): choose another name',
      ],
    ]);
    const twice = modelSpecSchema.safeParse({
      layers: [conv('features'), { type: 'flatten', name: 'features' }, softmax],
    });
    expect(twice.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['layers.1.name', 'layer 1 is named "features", like layer 0: layer names must be unique'],
    ]);
  });

  it('accepts given names that no other layer has or gets', () => {
    const result = modelSpecSchema.safeParse({
      layers: [conv('conv2d_1'), conv(), { type: 'flatten', name: 'dense_1' }, softmax],
    });
    expect(result.success).toBe(true);
  });
});
