export {
  ARTIFACT_FILES,
  ARTIFACT_FOLDERS,
  checkpointPath,
  MODEL_JSON_FILE,
  modelDirectory,
  modelJsonPath,
  VISUALIZATION_MANIFEST_FILE,
  visualizationDirectory,
  visualizationManifestPath,
  type ModelWeights,
} from './artifact-layout.js';
export { VisualizationInputError, type VisualizationInputErrorCode } from './errors.js';
export {
  isConvLayer,
  selectVisualizationLayers,
  summaryLayers,
  type LayerSelector,
} from './visualization-layers.js';
export {
  decodeInputImage,
  decodePngImage,
  encodeGrayscalePng,
  inputImageSha256,
  pngBytesFromBase64,
  testImage,
  uploadedImage,
  type InputImage,
  type LabelledImages,
  type TestImage,
} from './input-image.js';
export {
  canonicalJson,
  DEFAULT_SAMPLE,
  normalizeVisualizationRequest,
  visualizationCacheKey,
  type NormalizedVisualizationRequest,
  type VisualizationRequest,
} from './visualization-key.js';
export {
  decodeTensorFile,
  encodeTensorFile,
  TensorCollector,
  tensorStats,
  type TensorStats,
} from './tensor-file.js';
export {
  artifactVersion,
  isVisualizationFresh,
  type ArtifactVersionInfo,
} from './visualization-freshness.js';
export { modelCheckpointOf } from './model-checkpoint.js';
export { defaultVisualizations } from './default-visualizations.js';
export {
  describeAssignment,
  describeTrialProblem,
  parseParamPath,
  planSweep,
  trialParams,
  type PlannedTrial,
  type SweepPlan,
  type TrialProblem,
} from './sweep-plan.js';
export {
  decideTrialStop,
  isRung,
  type MetricCurve,
  type StopDecision,
} from './sweep-early-termination.js';
export { computeSaved, summarizeSweep } from './sweep-leaderboard.js';
