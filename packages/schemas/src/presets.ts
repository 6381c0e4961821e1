import type { LayerSpec, ModelPreset, ModelSpec } from './model-spec.js';

/** The seed notebook's two models, layer for layer. */
export const MODEL_PRESET_LAYERS: Readonly<Record<ModelPreset, readonly LayerSpec[]>> = {
  // conv32 → maxpool2 → conv64 → maxpool2 → dense100 → dropout 0.4 → dense10: 333,526 params
  cnn: [
    {
      type: 'conv2d',
      filters: 32,
      kernelSize: 3,
      strides: 1,
      padding: 'same',
      dilationRate: 1,
      activation: 'relu',
      useBias: true,
    },
    { type: 'maxPooling2d', poolSize: 2, padding: 'valid' },
    {
      type: 'conv2d',
      filters: 64,
      kernelSize: 3,
      strides: 1,
      padding: 'same',
      dilationRate: 1,
      activation: 'relu',
      useBias: true,
    },
    { type: 'maxPooling2d', poolSize: 2, padding: 'valid' },
    { type: 'flatten' },
    { type: 'dense', units: 100, activation: 'relu', useBias: true },
    { type: 'dropout', rate: 0.4 },
    { type: 'dense', units: 10, activation: 'softmax', useBias: true },
  ],
  // The notebook's experiment: 3×3 average pooling, conv32 twice: 39,478 params
  'cnn-avgpool': [
    {
      type: 'conv2d',
      filters: 32,
      kernelSize: 3,
      strides: 1,
      padding: 'same',
      dilationRate: 1,
      activation: 'relu',
      useBias: true,
    },
    { type: 'averagePooling2d', poolSize: 3, padding: 'valid' },
    {
      type: 'conv2d',
      filters: 32,
      kernelSize: 3,
      strides: 1,
      padding: 'same',
      dilationRate: 1,
      activation: 'relu',
      useBias: true,
    },
    { type: 'averagePooling2d', poolSize: 3, padding: 'valid' },
    { type: 'flatten' },
    { type: 'dense', units: 100, activation: 'relu', useBias: true },
    { type: 'dropout', rate: 0.4 },
    { type: 'dense', units: 10, activation: 'softmax', useBias: true },
  ],
};

/** The layer list a model spec stands for. */
export function resolveModelLayers(spec: ModelSpec): readonly LayerSpec[] {
  return 'preset' in spec ? MODEL_PRESET_LAYERS[spec.preset] : spec.layers;
}
