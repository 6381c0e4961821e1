import { describe, expect, it } from 'vitest';
import { summarizeModel, type VisualizationKind } from '@convoy/schemas';
import { VisualizationInputError } from './errors.js';
import { selectVisualizationLayers, summaryLayers } from './visualization-layers.js';

// The notebook's model as its summary lists it: conv2d, max_pooling2d, conv2d_1, max_pooling2d_1,
// flatten, dense, dropout, dense_1.
const cnn = summaryLayers(summarizeModel({ preset: 'cnn' }));
const denseOnly = summaryLayers(
  summarizeModel({
    layers: [
      { type: 'flatten' },
      { type: 'dense', units: 10, activation: 'softmax', useBias: true },
    ],
  }),
);

const select = (selector: number | string | undefined, kind: VisualizationKind) =>
  selectVisualizationLayers(cnn, selector, kind).map((layer) => layer.name);

function refusal(action: () => unknown): VisualizationInputError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(VisualizationInputError);
    return error as VisualizationInputError;
  }
  throw new Error('expected a VisualizationInputError');
}

describe('selectVisualizationLayers on a model summary', () => {
  it('numbers the summary rows as Keras numbers model.layers', () => {
    expect(cnn.map(({ index, name, className }) => `${index} ${name} ${className}`)).toEqual([
      '0 conv2d Conv2D',
      '1 max_pooling2d MaxPooling2D',
      '2 conv2d_1 Conv2D',
      '3 max_pooling2d_1 MaxPooling2D',
      '4 flatten Flatten',
      '5 dense Dense',
      '6 dropout Dropout',
      '7 dense_1 Dense',
    ]);
  });

  it('selects what the worker would: defaults, names, indices, and the layers each kind accepts', () => {
    expect(select(undefined, 'filters')).toEqual(['conv2d']);
    expect(select(undefined, 'weights-histogram')).toEqual(['conv2d']);
    expect(select(undefined, 'feature-maps')).toEqual(['conv2d', 'conv2d_1']);
    expect(select('conv2d_1', 'filters')).toEqual(['conv2d_1']);
    expect(select(2, 'feature-maps')).toEqual(['conv2d_1']);
    expect(select('dense_1', 'weights-histogram')).toEqual(['dense_1']);
    expect(select(7, 'predictions')).toEqual([]);
    expect(select(undefined, 'confusion-matrix')).toEqual([]);
  });

  it('refuses a missing layer, naming the layers the kind takes', () => {
    const byName = refusal(() => select('no_such_layer', 'filters'));
    expect(byName.code).toBe('unknown-layer');
    expect(byName.message).toBe(
      'the model has no layer named "no_such_layer"; filters takes a Conv2D layer: 0 conv2d (Conv2D), 2 conv2d_1 (Conv2D)',
    );
    const byIndex = refusal(() => select(63, 'weights-histogram'));
    expect(byIndex.code).toBe('layer-out-of-range');
    expect(byIndex.message).toBe(
      'layer index 63 is out of range: the model has layers 0 to 7; weights-histogram takes a layer with weights (Conv2D or Dense): 0 conv2d (Conv2D), 2 conv2d_1 (Conv2D), 5 dense (Dense), 7 dense_1 (Dense)',
    );
  });

  it('refuses a layer of the wrong kind: filters of a dense layer, feature maps without a spatial conv output', () => {
    const filters = refusal(() => select('dense', 'filters'));
    expect(filters.code).toBe('wrong-layer-type');
    expect(filters.message).toBe(
      "filters needs a Conv2D layer, and layer 5 dense (Dense) is not one; the model's are 0 conv2d (Conv2D), 2 conv2d_1 (Conv2D)",
    );
    expect(refusal(() => select('flatten', 'feature-maps')).code).toBe('wrong-layer-type');
    expect(refusal(() => select(3, 'feature-maps')).code).toBe('wrong-layer-type');
    expect(refusal(() => select('max_pooling2d', 'weights-histogram')).code).toBe(
      'wrong-layer-type',
    );
  });

  it('says so when the model has no conv layer for a kind that defaults to one', () => {
    const error = refusal(() => selectVisualizationLayers(denseOnly, undefined, 'filters'));
    expect(error.code).toBe('no-conv-layer');
    expect(error.message).toBe(
      'filters needs a conv layer, and the model has none (its layers are 0 flatten (Flatten), 1 dense (Dense))',
    );
    expect(selectVisualizationLayers(denseOnly, 1, 'weights-histogram')).toEqual([
      { index: 1, name: 'dense', className: 'Dense' },
    ]);
  });
});
