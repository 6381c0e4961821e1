import { modelSpecSchema } from '@convoy/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initializeBackend } from '@convoy/backend';
import { buildModel } from '@convoy/model';
import { VisualizationInputError } from '@convoy/core';
import { listLayers, resolveLayer, resolveLayers } from './layers.js';

const cnn = () => buildModel({ preset: 'cnn' }, { seed: 1 });

function inputError(action: () => unknown): VisualizationInputError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(VisualizationInputError);
    return error as VisualizationInputError;
  }
  throw new Error('expected a VisualizationInputError');
}

describe('resolveLayer', () => {
  let model: ReturnType<typeof cnn>;
  beforeAll(async () => {
    await initializeBackend('wasm');
    model = cnn();
  });
  afterAll(() => model.dispose());

  it('lists the layers as Keras and the summary number them', () => {
    expect(listLayers(model).map(({ index, name, className }) => [index, name, className])).toEqual(
      [
        [0, 'conv2d', 'Conv2D'],
        [1, 'max_pooling2d', 'MaxPooling2D'],
        [2, 'conv2d_1', 'Conv2D'],
        [3, 'max_pooling2d_1', 'MaxPooling2D'],
        [4, 'flatten', 'Flatten'],
        [5, 'dense', 'Dense'],
        [6, 'dropout', 'Dropout'],
        [7, 'dense_1', 'Dense'],
      ],
    );
  });

  it('defaults to the first conv layer for filters and histograms, to every conv layer for feature maps', () => {
    expect(resolveLayer(model, undefined, { kind: 'filters' }).name).toBe('conv2d');
    expect(resolveLayer(model, undefined, { kind: 'weights-histogram' }).name).toBe('conv2d');
    expect(resolveLayers(model, undefined, { kind: 'feature-maps' }).map((l) => l.name)).toEqual([
      'conv2d',
      'conv2d_1',
    ]);
    expect(resolveLayers(model, 3, { kind: 'predictions' })).toEqual([]);
    expect(resolveLayers(model, undefined, { kind: 'confusion-matrix' })).toEqual([]);
  });

  it('finds a layer by index or by Keras name', () => {
    const byIndex = resolveLayer(model, 2, { kind: 'filters' });
    const byName = resolveLayer(model, 'conv2d_1', { kind: 'filters' });
    expect(byIndex.layer).toBe(byName.layer);
    expect([byIndex.index, byIndex.name, byIndex.className]).toEqual([2, 'conv2d_1', 'Conv2D']);
    expect(resolveLayer(model, 'dense', { kind: 'weights-histogram' }).index).toBe(5);
  });

  it('rejects an index out of range, an unknown name and a layer of the wrong type', () => {
    const outOfRange = inputError(() => resolveLayer(model, 8, { kind: 'filters' }));
    expect(outOfRange.code).toBe('layer-out-of-range');
    expect(outOfRange.message).toBe(
      'layer index 8 is out of range: the model has layers 0 to 7; filters takes a Conv2D layer: 0 conv2d (Conv2D), 2 conv2d_1 (Conv2D)',
    );
    expect(inputError(() => resolveLayer(model, -1, { kind: 'filters' })).code).toBe(
      'layer-out-of-range',
    );
    expect(inputError(() => resolveLayer(model, 1.5, { kind: 'filters' })).code).toBe(
      'layer-out-of-range',
    );
    const unknown = inputError(() => resolveLayer(model, 'conv2d_7', { kind: 'feature-maps' }));
    expect(unknown.code).toBe('unknown-layer');
    expect(unknown.message).toBe(
      'the model has no layer named "conv2d_7"; feature-maps takes a Conv2D layer: 0 conv2d (Conv2D), 2 conv2d_1 (Conv2D)',
    );

    const pooling = inputError(() => resolveLayer(model, 1, { kind: 'filters' }));
    expect(pooling.code).toBe('wrong-layer-type');
    expect(pooling.message).toBe(
      "filters needs a Conv2D layer, and layer 1 max_pooling2d (MaxPooling2D) is not one; the model's are 0 conv2d (Conv2D), 2 conv2d_1 (Conv2D)",
    );
    expect(inputError(() => resolveLayer(model, 'dense', { kind: 'feature-maps' })).code).toBe(
      'wrong-layer-type',
    );
    expect(
      inputError(() => resolveLayer(model, 'flatten', { kind: 'weights-histogram' })).message,
    ).toMatch(/a layer with weights \(Conv2D or Dense\).*5 dense \(Dense\), 7 dense_1 \(Dense\)/);
  });

  it('says so when a model has no conv layer', () => {
    const dense = buildModel(
      modelSpecSchema.parse({
        layers: [{ type: 'flatten' }, { type: 'dense', units: 10, activation: 'softmax' }],
      }),
      { seed: 1 },
    );
    const error = inputError(() => resolveLayers(dense, undefined, { kind: 'feature-maps' }));
    expect(error.code).toBe('no-conv-layer');
    expect(resolveLayer(dense, 1, { kind: 'weights-histogram' }).name).toBe('dense');
    dense.dispose();
  });
});
