export * from './model-spec.js';
export { inferLayerShapes, INPUT_SHAPE, ShapeError, type LayerShape } from './shape-inference.js';
export { MODEL_PRESET_LAYERS, resolveModelLayers } from './presets.js';
export * from './training-params.js';
export * from './training-result.js';
export * from './jobs.js';
export * from './visualization.js';
export { describeConfigIssues, trainingThreadsEnvSchema } from './environment.js';
