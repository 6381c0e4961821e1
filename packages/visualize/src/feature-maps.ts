import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { type InputImage, TensorCollector } from '@convoy/core';
import { IMAGE_PIXELS, IMAGE_SIZE, InvalidValueError } from '@convoy/schemas';
import type { VisualizationComputation } from './computation.js';
import { layerRecord, resolveLayers, type LayerSelector, type ResolvedLayer } from './layers.js';

/** Checks an image handed in by code (uploads and test images are checked where they are made). */
export function assertImagePixels(pixels: Float32Array): void {
  if (pixels.length !== IMAGE_PIXELS)
    throw new InvalidValueError(
      `an input image has ${IMAGE_PIXELS} pixels (28×28), not ${pixels.length}`,
    );
  if (!pixels.every(Number.isFinite))
    throw new InvalidValueError('an input image holds NaN or infinity');
}

/**
 * Sub-models that output the given layers' activations, per model. They share the model's layers
 * and weights and own no tensors, so they are never disposed (that would dispose shared weights).
 */
const activationModels = new WeakMap<tfl.LayersModel, Map<string, tfl.LayersModel>>();

function activationModel(
  model: tfl.LayersModel,
  layers: readonly ResolvedLayer[],
): tfl.LayersModel {
  const key = layers.map((layer) => layer.index).join(',');
  let cache = activationModels.get(model);
  if (!cache) activationModels.set(model, (cache = new Map()));
  let outputs = cache.get(key);
  if (!outputs) {
    // The seed's `keras.Model(model.input, model.layers[i].output)`, for every layer at once.
    outputs = tfl.model({
      inputs: model.inputs,
      outputs: layers.map((layer) => layer.layer.output as tfl.SymbolicTensor),
    });
    cache.set(key, outputs);
  }
  return outputs;
}

/** Resolves one selector, a list of them, or none (every conv layer), in model order, without repeats. */
function featureMapLayers(
  model: tfl.LayersModel,
  layers: LayerSelector | readonly LayerSelector[] | undefined,
): ResolvedLayer[] {
  const selectors = Array.isArray(layers) ? layers : [layers as LayerSelector | undefined];
  const byIndex = new Map<number, ResolvedLayer>();
  for (const selector of selectors.length === 0 ? [undefined] : selectors)
    for (const layer of resolveLayers(model, selector, { kind: 'feature-maps' }))
      byIndex.set(layer.index, layer);
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}

/**
 * The seed's feature maps: the activations [H, W, C] of conv layers for one input image, from one
 * forward pass through a multi-output model (for the seed cnn: conv2d [28, 28, 32] and conv2d_1
 * [14, 14, 64], the notebook's 4×8 and 8×8 grids), plus the input image [28, 28].
 * Default layers: every conv layer.
 */
export async function computeFeatureMaps(
  model: tfl.LayersModel,
  image: InputImage,
  layers?: LayerSelector | readonly LayerSelector[],
): Promise<VisualizationComputation<'feature-maps'>> {
  assertImagePixels(image.pixels);
  const resolved = featureMapLayers(model, layers);
  const submodel = activationModel(model, resolved);
  const outputs = tf.tidy(() => {
    const input = tf.tensor4d(image.pixels, [1, IMAGE_SIZE, IMAGE_SIZE, 1]);
    const result = submodel.predict(input);
    return Array.isArray(result) ? result : [result as tf.Tensor];
  });
  let values: Float32Array[];
  try {
    values = (await Promise.all(outputs.map((output) => output.data()))) as Float32Array[];
  } finally {
    tf.dispose(outputs);
  }
  const tensors = new TensorCollector();
  tensors.add('input', 'input', 'input', [IMAGE_SIZE, IMAGE_SIZE], new Float32Array(image.pixels));
  resolved.forEach((layer, index) => {
    const output = outputs[index];
    const data = values[index];
    if (!output || !data) throw new Error(`no activation for layer ${layer.name}`);
    // Drop the batch axis: [1, H, W, C] → [H, W, C].
    tensors.add(
      layer.name,
      'activation',
      `activation-${layer.index}`,
      output.shape.slice(1),
      data,
      layerRecord(layer),
    );
  });
  return {
    content: {
      kind: 'feature-maps',
      layers: resolved.map(layerRecord),
      tensors: tensors.entries,
      input: image.input,
    },
    tensors: tensors.values,
  };
}
