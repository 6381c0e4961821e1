export {
  benchmarkTraining,
  type TrainingBenchmarkOptions,
  type TrainingBenchmarkResult,
} from './bench.js';
export {
  BestMetricTracker,
  EarlyStopping,
  isImprovement,
  type BestMetricState,
  type EarlyStoppingState,
  type EpochLogs,
} from './callbacks.js';
export {
  disposeResumeState,
  loadCheckpoint,
  encodeCheckpoint,
  writeCheckpoint,
  type LoadedCheckpoint,
} from './checkpoint-store.js';
export { InvalidTrainingDataError, NonFiniteLossError, TrainingAbortedError } from './errors.js';
export { runTraining, type RunTrainingOptions } from './run-training.js';
export { evaluateModel } from './evaluate.js';
export { validateLabelledTensors, type LabelledTensors } from './labelled-tensors.js';
export { createOptimizer } from './optimizer.js';
export {
  BatchScalarRecorder,
  defaultScalarInterval,
  DistributionRecorder,
  quantileOfSorted,
  readTrainingRecords,
  SCALAR_POINTS_PER_EPOCH,
  scalarsUpTo,
  trainingRecordsUpload,
  weightQuantiles,
  type BatchEnd,
} from './training-records.js';
export { trainModel, type TrainModelOptions, type TrainModelResult } from './train.js';
export type {
  OptimizerWeights,
  PartialEpoch,
  ResumeState,
  TrainingSnapshot,
} from './training-state.js';
