import type { LayerSpec, ModelPreset, ModelSpec } from './model-spec.js';

const conv3x3Relu = (filters: number): LayerSpec => ({
  type: 'conv2d',
  filters,
  kernelSize: 3,
  strides: 1,
  padding: 'same',
  dilationRate: 1,
  activation: 'relu',
  useBias: true,
});

// Both notebook models end the same way: flatten → dense100 relu → dropout 0.4 → dense10 softmax.
const CLASSIFIER_HEAD: readonly LayerSpec[] = [
  { type: 'flatten' },
  { type: 'dense', units: 100, activation: 'relu', useBias: true },
  { type: 'dropout', rate: 0.4 },
  { type: 'dense', units: 10, activation: 'softmax', useBias: true },
];

/** The seed notebook's two models, layer for layer. */
export const MODEL_PRESET_LAYERS: Readonly<Record<ModelPreset, readonly LayerSpec[]>> = {
  // conv32 → maxpool2 → conv64 → maxpool2 → dense100 → dropout 0.4 → dense10: 333,526 params
  cnn: [
    conv3x3Relu(32),
    { type: 'maxPooling2d', poolSize: 2, padding: 'valid' },
    conv3x3Relu(64),
    { type: 'maxPooling2d', poolSize: 2, padding: 'valid' },
    ...CLASSIFIER_HEAD,
  ],
  // The notebook's experiment: 3×3 average pooling, conv32 twice: 39,478 params
  'cnn-avgpool': [
    conv3x3Relu(32),
    { type: 'averagePooling2d', poolSize: 3, padding: 'valid' },
    conv3x3Relu(32),
    { type: 'averagePooling2d', poolSize: 3, padding: 'valid' },
    ...CLASSIFIER_HEAD,
  ],
};

/** The layer list a model spec stands for. */
export function resolveModelLayers(spec: ModelSpec): readonly LayerSpec[] {
  return 'preset' in spec ? MODEL_PRESET_LAYERS[spec.preset] : spec.layers;
}
