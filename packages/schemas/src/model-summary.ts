import { kerasClassName, kerasLayerNames } from './layer-names.js';
import type { ModelSpec } from './model-spec.js';
import { resolveModelLayers } from './presets.js';
import { inferLayerShapes } from './shape-inference.js';
import type { ModelSummary } from './training-result.js';

/**
 * Keras's model.summary() table as data, computed from the spec alone: what a training job writes
 * as `summary.json`, and what the API checks a visualization's layer against.
 */
export function summarizeModel(spec: ModelSpec, modelName = 'sequential'): ModelSummary {
  const layers = resolveModelLayers(spec);
  const shapes = inferLayerShapes(layers);
  const names = kerasLayerNames(layers);
  const rows = layers.map((layer, index) => ({
    name: names[index] ?? '',
    className: kerasClassName(layer),
    outputShape: [null, ...(shapes[index]?.outputShape ?? [])],
    params: shapes[index]?.params ?? 0,
  }));
  const totalParams = rows.reduce((total, row) => total + row.params, 0);
  return {
    modelName,
    layers: rows,
    totalParams,
    trainableParams: totalParams,
    nonTrainableParams: 0,
  };
}
