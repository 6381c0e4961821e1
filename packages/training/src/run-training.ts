import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
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
  ModelCheckpoint,
  TrainingParams,
  TrainingProgress,
  TrainingResult,
} from '@convoy/schemas';
import { ARTIFACT_FILES, ARTIFACT_FOLDERS, modelJsonPath } from '@convoy/core';
import { UploadQueue, type JobArtifacts, type UploadSink } from '@convoy/storage';
import type { ActiveBackend } from '@convoy/backend';
import { buildModel, encodeModel, summarizeModel } from '@convoy/model';
import { disposeResumeState, encodeCheckpoint, loadCheckpoint } from './checkpoint-store.js';
import type { LabelledTensors } from './labelled-tensors.js';
import { trainModel, type TrainModelResult } from './train.js';
import type { ResumeState } from './training-state.js';
import {
  BatchScalarRecorder,
  DistributionRecorder,
  readTrainingRecords,
  trainingRecordsUpload,
} from './training-records.js';

export interface RunTrainingOptions {
  readonly params: TrainingParams;
  readonly artifacts: JobArtifacts;
  readonly dataDir: string;
  /** Official gzipped IDX files (FASHION_MNIST_DIR) instead of the embedded data set. */
  readonly officialDataDir?: string | undefined;
  readonly backend: ActiveBackend;
  readonly logger?: DataLogger | undefined;
  /** Continue from the job's checkpoint when it has one (a worker picking up a stalled job). */
  readonly resume?: boolean | undefined;
  /** Called once the run knows where it starts: after `resumedFromEpoch` finished epochs, or 0. */
  readonly onStart?:
    | ((start: {
        resumedFromEpoch: number;
        history: readonly EpochRecord[];
      }) => void | Promise<void>)
    | undefined;
  readonly onProgress?: ((progress: TrainingProgress) => void) | undefined;
  /** Called as each stage before the first batch begins (data, model), and as training begins. */
  readonly onStage?: ((stage: 'loading-data' | 'building-model' | 'training') => void) | undefined;
  readonly onEpochEnd?: ((record: EpochRecord) => void | Promise<void>) | undefined;
  /** TrainModelOptions.pruneAfterEpoch: a sweep's early termination. */
  readonly pruneAfterEpoch?: ((record: EpochRecord) => Promise<string | null>) | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Threads for data-parallel training on wasm (TrainModelOptions.threads). */
  readonly threads?: number | undefined;
  /**
   * Where what training writes goes (params, models, history, checkpoints): default an UploadQueue
   * on `artifacts` here; the worker passes one that lands them from its main thread.
   */
  readonly uploads?: UploadSink | undefined;
  /** Batches per point of scalars.json (default: defaultScalarInterval, ~100 points an epoch). */
  readonly scalarInterval?: number | undefined;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

function toTensors(set: ImageSet): LabelledTensors {
  return { xs: imagesToTensor(set), ys: labelsToTensor(set) };
}

async function prepareModel(
  options: RunTrainingOptions,
  uploads: UploadSink,
): Promise<{ model: LayersModel; resume: ResumeState | null }> {
  const { params, artifacts } = options;
  const model = buildModel(params.model, { seed: params.seed });
  const checkpoint = options.resume
    ? await loadCheckpoint(artifacts, model).catch((error: unknown) => {
        model.dispose();
        throw error;
      })
    : null;
  if (checkpoint === null) {
    await uploads.add({
      writes: [
        { path: ARTIFACT_FILES.params, data: json(params) },
        { path: ARTIFACT_FILES.summary, data: json(summarizeModel(params.model)) },
      ],
    });
    await uploads.add(await encodeModel(model, ARTIFACT_FOLDERS.initialModel));
  }
  return { model, resume: checkpoint?.resume ?? null };
}

/** The job's training and validation split of the data set (validation may be empty). */
async function loadSplit(options: RunTrainingOptions) {
  const { params } = options;
  const dataset = await loadFashionMnist({
    dataDir: options.dataDir,
    officialDir: options.officialDataDir,
    logger: options.logger,
  });
  return splitTrainingData(dataset.train, {
    limit: params.dataset.limit,
    validationSplit: params.validationSplit,
    seed: params.seed,
  });
}

function trainingResult(
  options: RunTrainingOptions,
  split: { train: ImageSet; validation: ImageSet },
  result: TrainModelResult,
): TrainingResult {
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
    threads: result.threads,
    seconds: result.seconds,
    ...(result.resumedFromEpoch !== undefined ? { resumedFromEpoch: result.resumedFromEpoch } : {}),
    ...(result.pruned === undefined ? {} : { pruned: result.pruned }),
  };
}

/**
 * The per-batch scalars and weight distributions of the run: a resumed run continues what the
 * earlier attempts recorded up to its checkpoint; a new one starts with the untrained weights.
 */
async function startRecords(
  options: RunTrainingOptions,
  model: LayersModel,
  resume: ResumeState | null,
  trainImages: number,
) {
  const batchesPerEpoch = Math.max(1, Math.ceil(trainImages / options.params.batchSize));
  const earlier = resume
    ? await readTrainingRecords(options.artifacts, {
        epoch: resume.history.length,
        batch: resume.partialEpoch?.batch ?? 0,
        batchesPerEpoch,
      })
    : {};
  const scalars = new BatchScalarRecorder(
    batchesPerEpoch,
    options.scalarInterval ?? earlier.scalars?.every,
    earlier.scalars,
  );
  const distributions = new DistributionRecorder(earlier.distributions);
  if (!resume) await distributions.add(0, model);
  return { scalars, distributions };
}

/**
 * One training job from data to artifacts: the engine behind both `convoy train` and the worker.
 * Writes params, summary and the untrained weights first; then after every epoch the history and a
 * checkpoint to resume from, and the best model on every improvement. Writes go through `uploads`
 * and land while training goes on; the run returns once all of them have landed.
 */
export async function runTraining(options: RunTrainingOptions): Promise<TrainingResult> {
  const { params, artifacts } = options;
  const uploads = options.uploads ?? new UploadQueue(artifacts);
  options.onStage?.('loading-data');
  const split = await loadSplit(options);
  options.onStage?.('building-model');
  const { model, resume } = await prepareModel(options, uploads);
  const train = toTensors(split.train);
  const validation = split.validation.count > 0 ? toTensors(split.validation) : undefined;
  const history: EpochRecord[] = [...(resume?.history ?? [])];
  let handedOver = false;
  try {
    const records = await startRecords(options, model, resume, split.train.count);
    if (!resume) await uploads.add(trainingRecordsUpload(records.scalars, records.distributions));
    await options.onStart?.({ resumedFromEpoch: history.length, history });
    let checkpointSaved = (await artifacts.stat(modelJsonPath('trained'))) !== null;
    handedOver = true;
    options.onStage?.('training');
    const { monitor, saveBestOnly } = params.checkpoint;
    const checkpointOf = (epoch: number, record: EpochRecord | undefined): ModelCheckpoint => ({
      epoch,
      monitor,
      value: record?.[monitor] ?? null,
      saveBestOnly,
    });
    const result = await trainModel({
      model,
      train,
      validation,
      params,
      resumeFrom: resume ?? undefined,
      signal: options.signal,
      pruneAfterEpoch: options.pruneAfterEpoch,
      threads: options.threads,
      onProgress: options.onProgress,
      onBatchEnd: (end) => records.scalars.add(end),
      onEpochWeights: (current, epoch) => records.distributions.add(epoch, current),
      onCheckpoint: async (current, epoch, record) => {
        await uploads.add(
          await encodeModel(current, ARTIFACT_FOLDERS.bestModel, checkpointOf(epoch, record)),
        );
        checkpointSaved = true;
      },
      onSnapshot: async (snapshot) => {
        // Before the checkpoint: a resume cuts the records at its checkpoint, never finds fewer.
        await uploads.add(trainingRecordsUpload(records.scalars, records.distributions));
        await uploads.add(await encodeCheckpoint(snapshot));
      },
      onEpochEnd: async (record) => {
        history.push(record);
        await uploads.add({ writes: [{ path: ARTIFACT_FILES.history, data: json(history) }] });
        await options.onEpochEnd?.(record);
      },
    });
    // A monitor that never produced a value still leaves a usable model behind.
    if (!checkpointSaved && history.length > 0) {
      const last = history[history.length - 1];
      await uploads.add(
        await encodeModel(
          model,
          ARTIFACT_FOLDERS.bestModel,
          checkpointOf(last?.epoch ?? history.length, undefined),
        ),
      );
    } else if (!checkpointSaved) {
      await uploads.add(await encodeModel(model, ARTIFACT_FOLDERS.bestModel));
    }
    await uploads.flush();
    return trainingResult(options, split, result);
  } catch (error) {
    // A stopped run's last checkpoint is what the next attempt resumes from: let it land first.
    await uploads.flush().catch(() => {});
    throw error;
  } finally {
    if (resume && !handedOver) disposeResumeState(resume);
    model.dispose();
    tf.dispose([train.xs, train.ys, ...(validation ? [validation.xs, validation.ys] : [])]);
  }
}
