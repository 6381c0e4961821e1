export {
  BACKEND_REQUESTS,
  initializeBackend,
  isCudaDeviceVisible,
  planBackends,
  type ActiveBackend,
  type BackendRequest,
  type CudaProbe,
} from './backend.js';
export {
  benchmarkInference,
  benchmarkTraining,
  type InferenceBenchmarkResult,
  type TrainingBenchmarkOptions,
  type TrainingBenchmarkResult,
} from './bench.js';
export { buildModel, seedDropoutLayers, type BuildModelOptions } from './build-model.js';
export {
  BestMetricTracker,
  EarlyStopping,
  isImprovement,
  type BestMetricState,
  type EarlyStoppingState,
  type EpochLogs,
} from './callbacks.js';
export {
  BackendUnavailableError,
  InvalidTrainingDataError,
  ModelArtifactError,
  NonFiniteLossError,
  TrainingAbortedError,
} from './errors.js';
export { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from './kernels/index.js';
export { loadModel, saveModel } from './model-io.js';
export {
  disposeResumeState,
  loadCheckpoint,
  writeCheckpoint,
  type LoadedCheckpoint,
} from './checkpoint-store.js';
export type {
  OptimizerWeights,
  PartialEpoch,
  ResumeState,
  TrainingSnapshot,
} from './training-state.js';
export { runTraining, type RunTrainingOptions } from './run-training.js';
export { countCorrect, sparseCategoricalCrossentropy } from './losses.js';
export { formatSummary, kerasClassName, kerasLayerNames, summarizeModel } from './summary.js';
export {
  createOptimizer,
  evaluateModel,
  trainingThreads,
  trainModel,
  validateLabelledTensors,
  type LabelledTensors,
  type TrainModelOptions,
  type TrainModelResult,
} from './train.js';
export * from './visualize/index.js';
