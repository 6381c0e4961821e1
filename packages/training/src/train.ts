import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { trainingThreads } from '@convoy/backend';
import { createRandom, shuffleIndices } from '@convoy/data';
import { countCorrect, seedDropoutLayers, sparseCategoricalCrossentropy } from '@convoy/model';
import {
  NUM_CLASSES,
  type EpochRecord,
  type TrainingParams,
  type TrainingProgress,
} from '@convoy/schemas';
import { BestMetricTracker, EarlyStopping, type EpochLogs } from './callbacks.js';
import type { PartialEpoch, ResumeState, TrainingSnapshot } from './training-state.js';
import { GradientReplicas } from './parallel/gradient-replicas.js';
import { InvalidTrainingDataError, NonFiniteLossError, TrainingAbortedError } from './errors.js';

export interface LabelledTensors {
  /** Images, [N, 28, 28, 1] in [0, 1]. */
  readonly xs: tf.Tensor4D;
  /** Class ids as float32, [N]. */
  readonly ys: tf.Tensor1D;
}

export interface TrainModelOptions {
  readonly model: LayersModel;
  readonly train: LabelledTensors;
  readonly validation?: LabelledTensors | undefined;
  readonly params: Pick<
    TrainingParams,
    'epochs' | 'batchSize' | 'seed' | 'optimizer' | 'earlyStopping' | 'checkpoint'
  >;
  /** Called at most every `progressIntervalMs`, and at the end of every epoch. */
  readonly onProgress?: ((progress: TrainingProgress) => void) | undefined;
  readonly onEpochEnd?: ((record: EpochRecord) => void | Promise<void>) | undefined;
  /** Called when the checkpoint's monitored metric improves (or every epoch without saveBestOnly). */
  readonly onCheckpoint?: ((model: LayersModel, epoch: number) => Promise<void>) | undefined;
  /**
   * Called after every epoch, and when the signal stops training mid-epoch, with everything resuming
   * needs. Its tensors belong to the run: serialise them before the promise settles.
   */
  readonly onSnapshot?: ((snapshot: TrainingSnapshot) => Promise<void>) | undefined;
  /** Continue a run from a snapshot; the model must already hold the snapshot's weights. */
  readonly resumeFrom?: ResumeState | undefined;
  /** Stops training at the next batch boundary. */
  readonly signal?: AbortSignal | undefined;
  readonly progressIntervalMs?: number | undefined;
  /**
   * Threads to train on (data-parallel, see GradientReplicas); 1 trains on this thread alone. Used on
   * the wasm backend only: libtensorflow already spreads each op over the cores.
   */
  readonly threads?: number | undefined;
}

export interface TrainModelResult {
  readonly history: EpochRecord[];
  readonly epochsRun: number;
  readonly stoppedEarly: boolean;
  readonly bestEpoch: number | null;
  readonly best: { monitor: string; value: number } | null;
  readonly restoredBestWeights: boolean;
  readonly seconds: number;
  /** Training images per second over the training steps alone (validation excluded). */
  readonly imagesPerSecond: number;
  /** The finished epoch this run resumed after, when it resumed. */
  readonly resumedFromEpoch?: number | undefined;
  /** Threads the steps ran on. */
  readonly threads: number;
}

const EVALUATION_BATCH_SIZE = 500;
// Yield to the event loop this often so timers (progress, queue lock renewal) keep running.
const YIELD_INTERVAL_MS = 50;

export function createOptimizer(config: TrainingParams['optimizer']): tf.Optimizer {
  switch (config.name) {
    case 'adam':
      return tf.train.adam(config.learningRate, 0.9, 0.999, 1e-7);
    case 'sgd':
      return tf.train.sgd(config.learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(config.learningRate, 0.9, 0, 1e-7);
  }
}

/** Loss and accuracy over a whole set, in inference mode (dropout off). */
export async function evaluateModel(
  model: LayersModel,
  data: LabelledTensors,
): Promise<{ loss: number; accuracy: number }> {
  const count = data.xs.shape[0];
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < count; start += EVALUATION_BATCH_SIZE) {
    const size = Math.min(EVALUATION_BATCH_SIZE, count - start);
    const [loss, hits] = tf.tidy(() => {
      const xs = tf.slice(data.xs, [start, 0, 0, 0], [size, -1, -1, -1]);
      const ys = tf.slice(data.ys, [start], [size]);
      const probabilities = model.apply(xs, { training: false }) as tf.Tensor2D;
      return [
        tf.mul(sparseCategoricalCrossentropy(ys, probabilities), size),
        countCorrect(ys, probabilities),
      ];
    });
    const [lossValue, hitsValue] = await Promise.all([loss.data(), hits.data()]);
    tf.dispose([loss, hits]);
    lossSum += lossValue[0] ?? Number.NaN;
    correct += hitsValue[0] ?? 0;
  }
  return { loss: lossSum / count, accuracy: correct / count };
}

interface StepResult {
  loss: number;
  correct: number;
}

async function parallelTrainStep(
  replicas: GradientReplicas,
  optimizer: tf.Optimizer,
  variables: tf.Variable[],
  train: LabelledTensors,
  indices: Int32Array,
  dropoutSeed: number,
): Promise<StepResult> {
  const batch = await replicas.computeGradients(indices, dropoutSeed, train);
  try {
    // Named in the variables' order: the optimizer keys its slots by position, as minimize() does.
    optimizer.applyGradients(
      Object.fromEntries(variables.map((variable, index) => [variable.name, batch.grads[index]!])),
    );
  } finally {
    tf.dispose(batch.grads);
  }
  return { loss: batch.loss, correct: batch.correct };
}

async function startGradientReplicas(
  model: LayersModel,
  variables: tf.Variable[],
  train: LabelledTensors,
  threads: number,
  maxBatchSize: number,
): Promise<GradientReplicas | null> {
  if (threads <= 1) return null;
  return GradientReplicas.start({
    model,
    variables,
    threads,
    images: train.xs.dataSync() as Float32Array,
    labels: train.ys.dataSync() as Float32Array,
    maxBatchSize,
  });
}

async function trainStep(
  model: LayersModel,
  optimizer: tf.Optimizer,
  variables: tf.Variable[],
  xs: tf.Tensor4D,
  ys: tf.Tensor1D,
  indices: Int32Array,
): Promise<StepResult> {
  let correct: tf.Scalar | null = null;
  const loss = tf.tidy(() => {
    const batchIndices = tf.tensor1d(indices, 'int32');
    const batchXs = tf.gather(xs, batchIndices);
    const batchYs = tf.gather(ys, batchIndices);
    return optimizer.minimize(
      () => {
        const probabilities = model.apply(batchXs, { training: true }) as tf.Tensor2D;
        correct = tf.keep(countCorrect(batchYs, probabilities));
        return sparseCategoricalCrossentropy(batchYs, probabilities);
      },
      true,
      variables,
    ) as tf.Scalar;
  });
  const hits = correct as tf.Scalar | null;
  const [lossValue, hitsValue] = await Promise.all([loss.data(), hits?.data()]);
  tf.dispose([loss, ...(hits ? [hits] : [])]);
  return { loss: lossValue[0] ?? Number.NaN, correct: hitsValue?.[0] ?? 0 };
}

/** Rejects data that would train to NaN or crash mid-epoch: wrong shapes, non-finite or out-of-range values, bad labels. */
export function validateLabelledTensors(data: LabelledTensors, role: string): void {
  const [count, height, width, channels] = data.xs.shape;
  if (height !== 28 || width !== 28 || channels !== 1) {
    throw new InvalidTrainingDataError(
      `${role} images must be [N, 28, 28, 1], got [${data.xs.shape.join(', ')}]`,
    );
  }
  if (data.ys.shape[0] !== count || count === 0) {
    throw new InvalidTrainingDataError(
      `${role} set has ${count} images and ${data.ys.shape[0]} labels`,
    );
  }
  const [imageMin, imageMax, labelMin, labelMax, badLabels] = tf.tidy(() =>
    [
      tf.min(data.xs),
      tf.max(data.xs),
      tf.min(data.ys),
      tf.max(data.ys),
      tf.sum(tf.cast(tf.notEqual(data.ys, tf.round(data.ys)), 'int32')),
    ].map((tensor) => tensor.dataSync()[0] ?? Number.NaN),
  ) as [number, number, number, number, number];
  // NaN fails every comparison, so these checks also catch NaN and infinities.
  if (!(imageMin >= 0 && imageMax <= 1)) {
    throw new InvalidTrainingDataError(
      `${role} pixels must be finite numbers in [0, 1], found values from ${imageMin} to ${imageMax}`,
    );
  }
  if (!(labelMin >= 0 && labelMax < NUM_CLASSES) || badLabels !== 0) {
    throw new InvalidTrainingDataError(
      `${role} labels must be integers 0–${NUM_CLASSES - 1}, found values from ${labelMin} to ${labelMax}`,
    );
  }
}

function epochOrder(seed: number, epoch: number, count: number): Uint32Array {
  // A seed per epoch: the order of epoch k does not depend on how many epochs ran before (resume).
  return shuffleIndices(count, createRandom(seed * 1000 + epoch));
}

const dropoutSeed = (seed: number, epoch: number, batch: number) =>
  seed * 1_000_003 + epoch * 10_007 + batch;

const emptyEpoch = (): PartialEpoch => ({ batch: 0, lossSum: 0, correct: 0, seen: 0, seconds: 0 });

/**
 * Trains `model` with Keras's fit semantics (shuffle each epoch, running loss/accuracy, validation at
 * the end of each epoch, ModelCheckpoint and EarlyStopping), one batch at a time so progress,
 * cancellation and the event loop are served between batches. Every random choice (order, dropout)
 * derives from the seed, epoch and batch, so a run resumed from a snapshot — even one taken
 * mid-epoch — trains exactly as if it had never stopped.
 */
export async function trainModel(options: TrainModelOptions): Promise<TrainModelResult> {
  const { model, train, validation, params, resumeFrom } = options;
  validateLabelledTensors(train, 'training');
  if (validation) validateLabelledTensors(validation, 'validation');
  const count = train.xs.shape[0];
  const batches = Math.ceil(count / params.batchSize);
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const optimizer = createOptimizer(params.optimizer);
  const earlyStopping = params.earlyStopping ? new EarlyStopping(params.earlyStopping) : null;
  const checkpoint = new BestMetricTracker(params.checkpoint.monitor);
  const progressInterval = options.progressIntervalMs ?? 250;
  const history: EpochRecord[] = [...(resumeFrom?.history ?? [])];
  let partial = resumeFrom?.partialEpoch ?? emptyEpoch();
  if (resumeFrom) {
    await optimizer.setWeights(resumeFrom.optimizerWeights);
    // The optimizer's variables now hold their own references to these buffers.
    tf.dispose(resumeFrom.optimizerWeights.map((entry) => entry.tensor));
    checkpoint.restore(resumeFrom.checkpoint);
    if (earlyStopping && resumeFrom.earlyStopping) {
      earlyStopping.restore(resumeFrom.earlyStopping, resumeFrom.earlyStoppingWeights);
    }
  }
  const snapshot = async (epoch: number, partialEpoch: PartialEpoch | null) => {
    if (!options.onSnapshot) return;
    const optimizerWeights = await optimizer.getWeights();
    try {
      await options.onSnapshot({
        epoch,
        partialEpoch,
        history: [...history],
        checkpoint: checkpoint.state,
        earlyStopping: earlyStopping?.state ?? null,
        modelWeights: model.getWeights(),
        optimizerWeights,
        earlyStoppingWeights: earlyStopping?.keptWeights ?? null,
      });
    } finally {
      // getWeights() makes a fresh scalar for the step count; the rest are the optimizer's own variables.
      optimizerWeights
        .filter((entry) => entry.name === 'iter')
        .forEach((entry) => entry.tensor.dispose());
    }
  };
  const started = performance.now();
  let trainingMs = 0;
  let stoppedEarly = false;
  const threads = trainingThreads(options.threads);
  let replicas: GradientReplicas | null = null;
  try {
    replicas = await startGradientReplicas(model, variables, train, threads, params.batchSize);
    for (let epoch = history.length + 1; epoch <= params.epochs; epoch += 1) {
      const order = epochOrder(params.seed, epoch, count);
      let lastProgress = 0;
      let lastYield = performance.now();
      let segmentStarted = performance.now();
      const elapsed = () => partial.seconds + (performance.now() - segmentStarted) / 1000;
      for (let batch = partial.batch; batch < batches; batch += 1) {
        if (options.signal?.aborted) {
          await snapshot(epoch - 1, { ...partial, seconds: elapsed() });
          throw new TrainingAbortedError(`training stopped at epoch ${epoch}, batch ${batch + 1}`, {
            cause: options.signal.reason,
          });
        }
        const indices = Int32Array.from(
          order.subarray(batch * params.batchSize, (batch + 1) * params.batchSize),
        );
        const stepSeed = dropoutSeed(params.seed, epoch, batch);
        const stepStarted = performance.now();
        let step: StepResult;
        if (replicas) {
          step = await parallelTrainStep(replicas, optimizer, variables, train, indices, stepSeed);
        } else {
          seedDropoutLayers(model, stepSeed);
          step = await trainStep(model, optimizer, variables, train.xs, train.ys, indices);
        }
        trainingMs += performance.now() - stepStarted;
        if (!Number.isFinite(step.loss)) throw new NonFiniteLossError(epoch, batch + 1, step.loss);
        partial = {
          batch: batch + 1,
          lossSum: partial.lossSum + step.loss * indices.length,
          correct: partial.correct + step.correct,
          seen: partial.seen + indices.length,
          seconds: partial.seconds,
        };
        const now = performance.now();
        if (
          options.onProgress &&
          (now - lastProgress >= progressInterval || batch === batches - 1)
        ) {
          lastProgress = now;
          options.onProgress({
            epoch,
            epochs: params.epochs,
            batch: batch + 1,
            batches,
            percent: (100 * ((epoch - 1) * batches + batch + 1)) / (params.epochs * batches),
            loss: partial.lossSum / partial.seen,
            accuracy: partial.correct / partial.seen,
          });
        }
        if (now - lastYield >= YIELD_INTERVAL_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
      const logs: EpochLogs = {
        loss: partial.lossSum / partial.seen,
        accuracy: partial.correct / partial.seen,
      };
      if (validation) {
        const evaluation = await evaluateModel(model, validation);
        logs.val_loss = evaluation.loss;
        logs.val_accuracy = evaluation.accuracy;
      }
      const record: EpochRecord = {
        epoch,
        loss: logs.loss ?? 0,
        accuracy: logs.accuracy ?? 0,
        ...(validation ? { val_loss: logs.val_loss, val_accuracy: logs.val_accuracy } : {}),
        seconds: elapsed(),
      };
      history.push(record);
      partial = emptyEpoch();
      segmentStarted = performance.now();
      // Keras order: ModelCheckpoint sees the epoch's weights before EarlyStopping may restore older ones.
      const improved = checkpoint.update(epoch, logs);
      if (options.onCheckpoint && (improved || !params.checkpoint.saveBestOnly)) {
        await options.onCheckpoint(model, epoch);
      }
      stoppedEarly = earlyStopping?.onEpochEnd(epoch, logs, model) ?? false;
      await snapshot(epoch, null);
      await options.onEpochEnd?.(record);
      if (stoppedEarly) break;
    }
  } finally {
    await replicas?.dispose();
    optimizer.dispose();
    earlyStopping?.dispose();
  }
  const imagesTrained = (history.length - (resumeFrom?.history.length ?? 0)) * count;
  return {
    history,
    epochsRun: history.length,
    stoppedEarly,
    bestEpoch: checkpoint.bestEpoch,
    best: checkpoint.best === null ? null : { monitor: checkpoint.monitor, value: checkpoint.best },
    restoredBestWeights: earlyStopping?.restored ?? false,
    seconds: (performance.now() - started) / 1000,
    imagesPerSecond: trainingMs > 0 ? imagesTrained / (trainingMs / 1000) : 0,
    resumedFromEpoch: resumeFrom ? resumeFrom.history.length : undefined,
    threads,
  };
}
