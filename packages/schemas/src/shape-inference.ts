import { ShapeError } from './errors.js';
import type { LayerSpec } from './model-spec.js';

/** Fashion-MNIST images: height, width, channels. */
export const INPUT_SHAPE = [28, 28, 1] as const;
/** Upper bound on trainable parameters of a user's model: keeps one job inside a worker's memory and time. */
export const MAX_MODEL_PARAMS = 5_000_000;

export interface LayerShape {
  readonly outputShape: readonly number[];
  readonly params: number;
}

const pair = (value: number | readonly [number, number]): [number, number] =>
  typeof value === 'number' ? [value, value] : [value[0], value[1]];

/** Output length of a windowed op, as TensorFlow computes it. */
function windowedLength(
  input: number,
  window: number,
  stride: number,
  padding: 'same' | 'valid',
): number {
  return padding === 'same' ? Math.ceil(input / stride) : Math.floor((input - window) / stride) + 1;
}

function spatialOutput(
  shape: readonly number[],
  window: [number, number],
  strides: [number, number],
  padding: 'same' | 'valid',
  index: number,
): [number, number] {
  if (shape.length !== 3)
    throw new ShapeError(
      `layer ${index} needs a 3-D input (height, width, channels), got [${shape.join(', ')}]`,
      index,
    );
  const [height = 0, width = 0] = shape;
  const out: [number, number] = [
    windowedLength(height, window[0], strides[0], padding),
    windowedLength(width, window[1], strides[1], padding),
  ];
  if (out[0] < 1 || out[1] < 1) {
    throw new ShapeError(
      `layer ${index} shrinks its ${height}×${width} input to nothing (window ${window.join('×')}, padding ${padding})`,
      index,
    );
  }
  return out;
}

function inferOne(layer: LayerSpec, input: readonly number[], index: number): LayerShape {
  switch (layer.type) {
    case 'conv2d': {
      const kernel = pair(layer.kernelSize);
      const dilation = pair(layer.dilationRate);
      const strides = pair(layer.strides);
      if ((strides[0] > 1 || strides[1] > 1) && (dilation[0] > 1 || dilation[1] > 1)) {
        throw new ShapeError(
          `layer ${index}: strides > 1 together with dilationRate > 1 is not supported (as in Keras)`,
          index,
        );
      }
      const effective: [number, number] = [
        (kernel[0] - 1) * dilation[0] + 1,
        (kernel[1] - 1) * dilation[1] + 1,
      ];
      const [height, width] = spatialOutput(input, effective, strides, layer.padding, index);
      const channels = input[2] ?? 0;
      const params =
        kernel[0] * kernel[1] * channels * layer.filters + (layer.useBias ? layer.filters : 0);
      return { outputShape: [height, width, layer.filters], params };
    }
    case 'maxPooling2d':
    case 'averagePooling2d': {
      const pool = pair(layer.poolSize);
      const strides = pair(layer.strides ?? layer.poolSize);
      const [height, width] = spatialOutput(input, pool, strides, layer.padding, index);
      return { outputShape: [height, width, input[2] ?? 0], params: 0 };
    }
    case 'flatten':
      return { outputShape: [input.reduce((product, size) => product * size, 1)], params: 0 };
    case 'dense': {
      const inputUnits = input[input.length - 1] ?? 0;
      const params = inputUnits * layer.units + (layer.useBias ? layer.units : 0);
      return { outputShape: [...input.slice(0, -1), layer.units], params };
    }
    case 'dropout':
      return { outputShape: input, params: 0 };
  }
}

/** Shapes and parameter counts of a layer list on 28×28×1 input; throws ShapeError where it cannot be built. */
export function inferLayerShapes(layers: readonly LayerSpec[]): LayerShape[] {
  const shapes: LayerShape[] = [];
  let input: readonly number[] = INPUT_SHAPE;
  let total = 0;
  layers.forEach((layer, index) => {
    const shape = inferOne(layer, input, index);
    total += shape.params;
    if (total > MAX_MODEL_PARAMS) {
      throw new ShapeError(
        `the model has more than ${MAX_MODEL_PARAMS.toLocaleString('en-US')} parameters (at layer ${index}: ${total.toLocaleString('en-US')})`,
        index,
      );
    }
    shapes.push(shape);
    input = shape.outputShape;
  });
  return shapes;
}
