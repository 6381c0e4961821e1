import * as tf from '@tensorflow/tfjs-layers';
import { createRandom } from '@convoy/data';
import {
  INPUT_SHAPE,
  kerasLayerNames,
  resolveModelLayers,
  type LayerSpec,
  type ModelSpec,
} from '@convoy/schemas';

export interface BuildModelOptions {
  /** Seeds the weight initialisers, so the same seed gives the same untrained model. */
  readonly seed: number;
}

const asPair = (value: number | readonly [number, number]): [number, number] =>
  typeof value === 'number' ? [value, value] : [value[0], value[1]];

function createLayer(
  spec: LayerSpec,
  name: string,
  nextSeed: () => number,
  isFirst: boolean,
): tf.layers.Layer {
  const inputShape = isFirst ? { inputShape: [...INPUT_SHAPE] } : {};
  switch (spec.type) {
    case 'conv2d':
      return tf.layers.conv2d({
        ...inputShape,
        name,
        filters: spec.filters,
        kernelSize: asPair(spec.kernelSize),
        strides: asPair(spec.strides),
        padding: spec.padding,
        dilationRate: asPair(spec.dilationRate),
        activation: spec.activation,
        useBias: spec.useBias,
        kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }),
      });
    case 'maxPooling2d':
    case 'averagePooling2d': {
      const options = {
        ...inputShape,
        name,
        poolSize: asPair(spec.poolSize),
        strides: asPair(spec.strides ?? spec.poolSize),
        padding: spec.padding,
      };
      return spec.type === 'maxPooling2d'
        ? tf.layers.maxPooling2d(options)
        : tf.layers.averagePooling2d(options);
    }
    case 'flatten':
      return tf.layers.flatten({ ...inputShape, name });
    case 'dense':
      return tf.layers.dense({
        ...inputShape,
        name,
        units: spec.units,
        activation: spec.activation,
        useBias: spec.useBias,
        kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }),
      });
    case 'dropout':
      return tf.layers.dropout({ ...inputShape, name, rate: spec.rate });
  }
}

/** A Keras-equivalent Sequential model (glorot-uniform kernels, zero biases) with Keras's layer names. */
export function buildModel(spec: ModelSpec, options: BuildModelOptions): tf.Sequential {
  const layers = resolveModelLayers(spec);
  const names = kerasLayerNames(layers);
  const random = createRandom(options.seed);
  const nextSeed = () => Math.floor(random() * 2 ** 31);
  const model = tf.sequential({ name: 'sequential' });
  layers.forEach((layer, index) =>
    model.add(createLayer(layer, names[index] ?? `layer_${index}`, nextSeed, index === 0)),
  );
  return model;
}

/**
 * Gives every dropout layer a fresh seed for the next step. tfjs's Dropout reuses one seed for every
 * call (the same mask each batch) or, unseeded, draws from Math.random; a per-step seed derived from
 * the job's seed keeps masks varied and makes a training run reproducible, which resuming relies on.
 */
export function seedDropoutLayers(model: tf.LayersModel, seed: number): void {
  for (const layer of model.layers) {
    if (layer.getClassName() === 'Dropout') (layer as unknown as { seed?: number }).seed = seed;
  }
}
