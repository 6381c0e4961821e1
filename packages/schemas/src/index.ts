export * from './model-spec.js';
export { inferLayerShapes, INPUT_SHAPE, type LayerShape } from './shape-inference.js';
export { MODEL_PRESET_LAYERS, resolveModelLayers } from './presets.js';
export {
  describeLayerNameClash,
  findLayerNameClashes,
  kerasClassName,
  kerasLayerNames,
  type LayerNameClash,
} from './layer-names.js';
export { summarizeModel } from './model-summary.js';
export {
  describeMemoryOverrun,
  estimateTrainingMemory,
  EVALUATION_BATCH_SIZE,
  largestBatchSizeWithin,
  splitSizes,
  TRAINING_POOL_IMAGES,
  type LayerMemory,
  type MemoryEstimate,
  type MemoryOverrun,
} from './memory-estimate.js';
export * from './training-params.js';
export * from './training-result.js';
export * from './training-records.js';
export * from './jobs.js';
export * from './sweeps.js';
export * from './runs.js';
export * from './api-bodies.js';
export * from './visualization.js';
export * from './environment.js';
export * from './http-server.js';
export * from './fashion-mnist.js';
export {
  InvalidValueError,
  isOutOfMemoryError,
  isPermanentError,
  PermanentError,
  ShapeError,
  type PermanenceFlag,
} from './errors.js';
export {
  checkpointEpochOf,
  improvesUpwards,
  modelCheckpointSchema,
  type ModelCheckpoint,
} from './checkpoint-epoch.js';
