export { benchmarkInference, type InferenceBenchmarkResult } from './bench.js';
export type { VisualizationComputation } from './computation.js';
export {
  computeVisualization,
  requestedImage,
  visualizationFiles,
  type ComputeVisualizationOptions,
  type VisualizationResult,
  type VisualizationSources,
} from './compute-visualization.js';
export { computeFeatureMaps } from './feature-maps.js';
export {
  listLayers,
  resolveLayer,
  resolveLayers,
  type LayerSelector,
  type LayerVisualizationKind,
  type ResolvedLayer,
} from './layers.js';
export {
  DEFAULT_CONFUSION_BATCH_SIZE,
  predictClasses,
  type ConfusionMatrixOptions,
} from './classify/predict-classes.js';
export {
  computeMisclassified,
  MISCLASSIFIED_PER_CLASS,
  type MisclassifiedOptions,
} from './misclassified.js';
export {
  computeConfusionMatrix,
  computePredictions,
  confusionSummary,
  topClasses,
} from './predictions.js';
export {
  computeFilters,
  computeWeightsHistogram,
  DEFAULT_HISTOGRAM_BINS,
  histogram,
  MAX_HISTOGRAM_BINS,
} from './weights.js';
