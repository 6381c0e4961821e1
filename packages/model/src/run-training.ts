import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  imagesToTensor,
  labelsToTensor,
  loadFashionMnist,
  splitTrainingData,
  type DataLogger,
  type ImageSet,
} from '@convoy/data';
import type {
  EpochRecord,
  TrainingParams,
  TrainingProgress,
  TrainingResult,
} from '@convoy/schemas';
import type { ActiveBackend } from './backend.js';
import { buildModel } from './build-model.js';
import { replaceSavedModel, saveModel, writeFileAtomic } from './model-io.js';
import { summarizeModel } from './summary.js';
import { trainModel, type LabelledTensors } from './train.js';

/** Where a training run's artifacts go, relative to its output directory (DESIGN.md's layout). */
export const TRAINING_ARTIFACTS = {
  params: 'params.json',
  summary: 'summary.json',
  history: 'history.json',
  bestModel: 'model',
  initialModel: 'initial',
} as const;

export interface RunTrainingOptions {
  readonly params: TrainingParams;
  readonly outDir: string;
  readonly dataDir: string;
  /** Official gzipped IDX files (FASHION_MNIST_DIR) instead of the embedded data set. */
  readonly officialDataDir?: string | undefined;
  readonly backend: ActiveBackend;
  readonly logger?: DataLogger | undefined;
  readonly onProgress?: ((progress: TrainingProgress) => void) | undefined;
  readonly onEpochEnd?: ((record: EpochRecord) => void | Promise<void>) | undefined;
  readonly signal?: AbortSignal | undefined;
}

const writeJson = (path: string, value: unknown) =>
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);

function toTensors(set: ImageSet): LabelledTensors {
  return { xs: imagesToTensor(set), ys: labelsToTensor(set) };
}

/**
 * One training job from data to artifacts: the engine behind both `convoy train` and the worker.
 * Writes params, summary, the untrained weights, the best model (on every improvement) and the
 * history (after every epoch) under `outDir`.
 */
export async function runTraining(options: RunTrainingOptions): Promise<TrainingResult> {
  const { params, outDir } = options;
  await mkdir(outDir, { recursive: true });
  await writeJson(join(outDir, TRAINING_ARTIFACTS.params), params);
  const summary = summarizeModel(params.model);
  await writeJson(join(outDir, TRAINING_ARTIFACTS.summary), summary);

  const dataset = await loadFashionMnist({
    dataDir: options.dataDir,
    officialDir: options.officialDataDir,
    logger: options.logger,
  });
  const split = splitTrainingData(dataset.train, {
    limit: params.dataset.limit,
    validationSplit: params.validationSplit,
    seed: params.seed,
  });
  const train = toTensors(split.train);
  const validation = split.validation.count > 0 ? toTensors(split.validation) : undefined;
  const model = buildModel(params.model, { seed: params.seed });
  const history: EpochRecord[] = [];
  try {
    await saveModel(model, join(outDir, TRAINING_ARTIFACTS.initialModel));
    let checkpointSaved = false;
    const result = await trainModel({
      model,
      train,
      validation,
      params,
      signal: options.signal,
      onProgress: options.onProgress,
      onCheckpoint: async (current) => {
        await replaceSavedModel(current, join(outDir, TRAINING_ARTIFACTS.bestModel));
        checkpointSaved = true;
      },
      onEpochEnd: async (record) => {
        history.push(record);
        await writeJson(join(outDir, TRAINING_ARTIFACTS.history), history);
        await options.onEpochEnd?.(record);
      },
    });
    // A monitor that never produced a value still leaves a usable model behind.
    if (!checkpointSaved)
      await replaceSavedModel(model, join(outDir, TRAINING_ARTIFACTS.bestModel));
    return {
      backend: options.backend.name,
      device: options.backend.device,
      epochsRun: result.epochsRun,
      stoppedEarly: result.stoppedEarly,
      bestEpoch: result.bestEpoch,
      best: result.best,
      restoredBestWeights: result.restoredBestWeights,
      history: result.history,
      trainImages: split.train.count,
      validationImages: split.validation.count,
      imagesPerSecond: result.imagesPerSecond,
      seconds: result.seconds,
    };
  } finally {
    model.dispose();
    tf.dispose([train.xs, train.ys, ...(validation ? [validation.xs, validation.ys] : [])]);
  }
}
