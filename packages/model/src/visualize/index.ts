export {
  DEFAULT_SAMPLE,
  canonicalJson,
  normalizeVisualizationRequest,
  visualizationCacheKey,
} from './cache-key.js';
export type { NormalizedVisualizationRequest, VisualizationRequest } from './cache-key.js';
export type { VisualizationComputation } from './computation.js';
export {
  computeVisualization,
  requestedImage,
  visualizationFiles,
  type ComputeVisualizationOptions,
  type VisualizationResult,
  type VisualizationSources,
} from './compute-visualization.js';
export { VisualizationInputError, type VisualizationInputErrorCode } from './errors.js';
export { computeFeatureMaps } from './feature-maps.js';
export {
  decodeInputImage,
  decodePngImage,
  inputImageSha256,
  pngBytesFromBase64,
  testImage,
  uploadedImage,
  type InputImage,
  type TestImage,
} from './input-image.js';
export {
  listLayers,
  resolveLayer,
  resolveLayers,
  type LayerSelector,
  type LayerVisualizationKind,
  type ResolvedLayer,
} from './layers.js';
export {
  computeConfusionMatrix,
  computePredictions,
  confusionSummary,
  DEFAULT_CONFUSION_BATCH_SIZE,
  predictClasses,
  topClasses,
  type ConfusionMatrixOptions,
} from './predictions.js';
export {
  decodeTensorFile,
  encodeTensorFile,
  tensorStats,
  type TensorStats,
} from './tensor-file.js';
export {
  computeFilters,
  computeWeightsHistogram,
  DEFAULT_HISTOGRAM_BINS,
  histogram,
  MAX_HISTOGRAM_BINS,
} from './weights.js';
