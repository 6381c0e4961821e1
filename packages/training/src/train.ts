import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { trainingThreads } from '@convoy/backend';
import { createRandom, shuffleIndices } from '@convoy/data';
import type { EpochRecord, TrainingParams, TrainingProgress } from '@convoy/schemas';
import { BestMetricTracker, EarlyStopping, type EpochLogs } from './callbacks.js';
import { NonFiniteLossError, TrainingAbortedError } from './errors.js';
import { evaluateModel } from './evaluate.js';
import { validateLabelledTensors, type LabelledTensors } from './labelled-tensors.js';
import { createOptimizer } from './optimizer.js';
import type {
  PartialEpoch,
  ResumeState,
  TrainingSnapshot,
  TrainingTotals,
} from './training-state.js';
import type { BatchEnd } from './training-records.js';
import { startTrainingStep, type StepResult, type TrainingStep } from './training-step.js';

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
  /** Called after every batch with its loss and accuracy (per-batch scalars); must be quick. */
  readonly onBatchEnd?: ((end: BatchEnd) => void) | undefined;
  /**
   * Called at the end of every epoch (after validation, before ModelCheckpoint and EarlyStopping,
   * which may restore older weights): the model holds the weights the epoch ended with.
   */
  readonly onEpochWeights?: ((model: LayersModel, epoch: number) => Promise<void>) | undefined;
  /** Called when the checkpoint's monitored metric improves (or every epoch without saveBestOnly). */
  readonly onCheckpoint?:
    ((model: LayersModel, epoch: number, record: EpochRecord) => Promise<void>) | undefined;
  /**
   * Called after every epoch, and when the signal stops training mid-epoch, with everything resuming
   * needs. Its tensors belong to the run: serialise them before the promise settles.
   */
  readonly onSnapshot?: ((snapshot: TrainingSnapshot) => Promise<void>) | undefined;
  /** Continue a run from a snapshot; the model must already hold the snapshot's weights. */
  readonly resumeFrom?: ResumeState | undefined;
  /** Stops training at the next batch boundary. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Asked after every epoch (after its snapshot and onEpochEnd): a reason to end the run there, as
   * early stopping would (a sweep's early termination), or null to go on.
   */
  readonly pruneAfterEpoch?: ((record: EpochRecord) => Promise<string | null>) | undefined;
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
  /** Ended by pruneAfterEpoch after `epoch`, and why. */
  readonly pruned?: { readonly epoch: number; readonly reason: string } | undefined;
  readonly bestEpoch: number | null;
  readonly best: { monitor: string; value: number } | null;
  readonly restoredBestWeights: boolean;
  /** Wall seconds of training over every attempt (a resumed run adds to its snapshot's total). */
  readonly seconds: number;
  /** Training images per second over the training steps alone (validation excluded), every attempt counted. */
  readonly imagesPerSecond: number;
  /** The finished epoch this run resumed after, when it resumed. */
  readonly resumedFromEpoch?: number | undefined;
  /** Threads the steps ran on. */
  readonly threads: number;
}

// Yield to the event loop this often so timers (progress, queue lock renewal) keep running.
const YIELD_INTERVAL_MS = 50;

function epochOrder(seed: number, epoch: number, count: number): Uint32Array {
  // A seed per epoch: the order of epoch k does not depend on how many epochs ran before (resume).
  return shuffleIndices(count, createRandom(seed * 1000 + epoch));
}

const dropoutSeed = (seed: number, epoch: number, batch: number) =>
  seed * 1_000_003 + epoch * 10_007 + batch;

const emptyEpoch = (): PartialEpoch => ({ batch: 0, lossSum: 0, correct: 0, seen: 0, seconds: 0 });

const NO_TOTALS: TrainingTotals = { seconds: 0, stepSeconds: 0, images: 0 };

/** The running sums after one more batch of `images` images. */
const addStep = (partial: PartialEpoch, step: StepResult, images: number): PartialEpoch => ({
  batch: partial.batch + 1,
  lossSum: partial.lossSum + step.loss * images,
  correct: partial.correct + step.correct,
  seen: partial.seen + images,
  seconds: partial.seconds,
});

/** Seconds an epoch has taken: what it took before a resume, plus the time since this call. */
function epochClock(secondsBefore: number): () => number {
  const started = performance.now();
  return () => secondsBefore + (performance.now() - started) / 1000;
}

/**
 * Images per second of the steps so far, and the seconds left at this attempt's wall-clock pace per
 * batch (validation and checkpoints of finished epochs included). Nothing before a batch has run.
 */
export function pace(run: {
  images: number;
  stepMs: number;
  batchesRun: number;
  wallMs: number;
  batchesLeft: number;
}): { imagesPerSecond?: number; etaSeconds?: number } {
  if (run.batchesRun === 0 || run.stepMs <= 0) return {};
  return {
    imagesPerSecond: (run.images * 1000) / run.stepMs,
    etaSeconds: (run.wallMs / run.batchesRun / 1000) * Math.max(0, run.batchesLeft),
  };
}

/**
 * Paces an epoch's batches: progress at most every `interval` ms (and after the last batch), and a
 * macrotask turn every YIELD_INTERVAL_MS so timers run even while a backend settles as microtasks.
 */
class BatchPacer {
  private lastProgress = 0;
  private lastYield = performance.now();

  constructor(
    private readonly interval: number,
    private readonly onProgress: ((progress: TrainingProgress) => void) | undefined,
  ) {}

  async afterBatch(lastOfEpoch: boolean, progress: () => TrainingProgress): Promise<void> {
    const now = performance.now();
    if (this.onProgress && (now - this.lastProgress >= this.interval || lastOfEpoch)) {
      this.lastProgress = now;
      this.onProgress(progress());
    }
    if (now - this.lastYield >= YIELD_INTERVAL_MS) {
      await yieldToEventLoop();
      this.lastYield = performance.now();
    }
  }
}

/**
 * One trainModel call between its batches: the optimizer, the callbacks, the history, the running
 * sums of the epoch under way, and what a snapshot records of them or a resume restores.
 */
class TrainingRun {
  private readonly history: EpochRecord[];
  private readonly count: number;
  private readonly batches: number;
  /** Time spent in training steps (validation and callbacks excluded), for images per second. */
  private trainingMs = 0;
  private imagesTrained = 0;
  /**
   * The pace of this attempt after its first batch (which compiles kernels and warms caches, many
   * times slower than the rest): what images/s and the ETA are computed from.
   */
  private readonly pacing = { since: 0, batches: -1, stepMs: 0, images: 0 };
  private readonly started = performance.now();
  /** What earlier attempts did, from the snapshot this run resumes. */
  private readonly before: TrainingTotals;
  private stoppedEarly = false;
  private pruned: { epoch: number; reason: string } | undefined;
  private partial: PartialEpoch;

  private constructor(
    private readonly options: TrainModelOptions,
    readonly optimizer: tf.Optimizer,
    private readonly checkpoint: BestMetricTracker,
    private readonly earlyStopping: EarlyStopping | null,
  ) {
    this.history = [...(options.resumeFrom?.history ?? [])];
    this.partial = options.resumeFrom?.partialEpoch ?? emptyEpoch();
    this.before = options.resumeFrom?.totals ?? NO_TOTALS;
    this.count = options.train.xs.shape[0];
    this.batches = Math.ceil(this.count / options.params.batchSize);
  }

  /** A run from the first epoch, or from `options.resumeFrom` (whose tensors it takes over). */
  static async start(options: TrainModelOptions): Promise<TrainingRun> {
    const { params, resumeFrom } = options;
    const run = new TrainingRun(
      options,
      createOptimizer(params.optimizer),
      new BestMetricTracker(params.checkpoint.monitor),
      params.earlyStopping ? new EarlyStopping(params.earlyStopping) : null,
    );
    if (resumeFrom) await run.restore(resumeFrom);
    return run;
  }

  private async restore(resume: ResumeState): Promise<void> {
    await this.optimizer.setWeights(resume.optimizerWeights);
    // The optimizer's variables now hold their own references to these buffers.
    tf.dispose(resume.optimizerWeights.map((entry) => entry.tensor));
    this.checkpoint.restore(resume.checkpoint);
    if (this.earlyStopping && resume.earlyStopping) {
      this.earlyStopping.restore(resume.earlyStopping, resume.earlyStoppingWeights);
    }
  }

  /** Trains the epochs left, until early stopping ends the run or its signal aborts it. */
  async trainEpochs(step: TrainingStep): Promise<void> {
    // Resumed after the epoch early stopping ended the run on: it stays ended.
    const finished = this.history.length;
    if (
      finished > 0 &&
      this.partial.batch === 0 &&
      this.earlyStopping?.stoppedAt(finished, this.options.model)
    ) {
      this.stoppedEarly = true;
      return;
    }
    for (let epoch = this.history.length + 1; epoch <= this.options.params.epochs; epoch += 1) {
      const seconds = epochClock(this.partial.seconds);
      await this.trainEpoch(step, epoch, seconds);
      if (await this.endEpoch(epoch, seconds)) {
        this.stoppedEarly = true;
        return;
      }
    }
  }

  /** The epoch's batches from where it stands (a resumed epoch continues mid-way). */
  private async trainEpoch(step: TrainingStep, epoch: number, seconds: () => number) {
    const { params, signal } = this.options;
    const order = epochOrder(params.seed, epoch, this.count);
    const pacer = new BatchPacer(this.options.progressIntervalMs ?? 250, this.options.onProgress);
    for (let batch = this.partial.batch; batch < this.batches; batch += 1) {
      if (signal?.aborted) await this.abort(epoch, batch, seconds());
      const rows = order.subarray(batch * params.batchSize, (batch + 1) * params.batchSize);
      const indices = Int32Array.from(rows);
      const stepStarted = performance.now();
      const result = await step.run(indices, dropoutSeed(params.seed, epoch, batch));
      this.trainingMs += performance.now() - stepStarted;
      this.imagesTrained += indices.length;
      this.countPace(performance.now() - stepStarted, indices.length);
      if (!Number.isFinite(result.loss))
        throw new NonFiniteLossError(epoch, batch + 1, result.loss);
      this.partial = addStep(this.partial, result, indices.length);
      this.options.onBatchEnd?.({
        epoch,
        batch,
        batches: this.batches,
        loss: result.loss,
        correct: result.correct,
        images: indices.length,
      });
      await pacer.afterBatch(batch === this.batches - 1, () => this.progress(epoch));
    }
  }

  private progress(epoch: number): TrainingProgress {
    const { epochs } = this.options.params;
    const { batch, lossSum, correct, seen } = this.partial;
    const batchesDone = (epoch - 1) * this.batches + batch;
    return {
      epoch,
      epochs,
      batch,
      batches: this.batches,
      percent: (100 * batchesDone) / (epochs * this.batches),
      loss: lossSum / seen,
      accuracy: correct / seen,
      ...pace({
        images: this.pacing.images,
        stepMs: this.pacing.stepMs,
        batchesRun: Math.max(0, this.pacing.batches),
        wallMs: performance.now() - this.pacing.since,
        batchesLeft: epochs * this.batches - batchesDone,
      }),
    };
  }

  private countPace(stepMs: number, images: number): void {
    const { pacing } = this;
    pacing.batches += 1;
    if (pacing.batches === 0) {
      pacing.since = performance.now(); // the first batch ends: the pace starts here
      return;
    }
    pacing.stepMs += stepMs;
    pacing.images += images;
  }

  /** Snapshots the epoch so far (a resume continues after its last batch) and stops the run. */
  private async abort(epoch: number, batch: number, seconds: number): Promise<never> {
    await this.snapshot(epoch - 1, { ...this.partial, seconds });
    throw new TrainingAbortedError(`training stopped at epoch ${epoch}, batch ${batch + 1}`, {
      cause: this.options.signal?.reason,
    });
  }

  /** Validation, the epoch's record, the callbacks and a snapshot; true when training should stop. */
  private async endEpoch(epoch: number, seconds: () => number): Promise<boolean> {
    const { model, validation, params, onCheckpoint } = this.options;
    const logs = await this.epochLogs();
    const record: EpochRecord = {
      epoch,
      loss: logs.loss ?? 0,
      accuracy: logs.accuracy ?? 0,
      ...(validation ? { val_loss: logs.val_loss, val_accuracy: logs.val_accuracy } : {}),
      seconds: seconds(),
    };
    this.history.push(record);
    this.partial = emptyEpoch();
    await this.options.onEpochWeights?.(model, epoch);
    // Keras order: ModelCheckpoint sees the epoch's weights before EarlyStopping may restore older ones.
    const improved = this.checkpoint.update(epoch, logs);
    if (onCheckpoint && (improved || !params.checkpoint.saveBestOnly)) {
      await onCheckpoint(model, epoch, record);
    }
    const stop = this.earlyStopping?.onEpochEnd(epoch, logs, model) ?? false;
    await this.snapshot(epoch, null);
    await this.options.onEpochEnd?.(record);
    // Asked every epoch, so the trial's curve is complete for the others to compare against.
    const reason = (await this.options.pruneAfterEpoch?.(record)) ?? null;
    if (stop || reason === null || epoch === params.epochs) return stop;
    this.pruned = { epoch, reason };
    return true;
  }

  private async epochLogs(): Promise<EpochLogs> {
    const { lossSum, correct, seen } = this.partial;
    const logs: EpochLogs = { loss: lossSum / seen, accuracy: correct / seen };
    if (this.options.validation) {
      const evaluation = await evaluateModel(this.options.model, this.options.validation);
      logs.val_loss = evaluation.loss;
      logs.val_accuracy = evaluation.accuracy;
    }
    return logs;
  }

  /** Hands onSnapshot everything resuming after `epoch` finished epochs (and `partialEpoch`) needs. */
  private async snapshot(epoch: number, partialEpoch: PartialEpoch | null): Promise<void> {
    const { onSnapshot, model } = this.options;
    if (!onSnapshot) return;
    const optimizerWeights = await this.optimizer.getWeights();
    try {
      await onSnapshot({
        epoch,
        partialEpoch,
        history: [...this.history],
        checkpoint: this.checkpoint.state,
        earlyStopping: this.earlyStopping?.state ?? null,
        modelWeights: model.getWeights(),
        optimizerWeights,
        earlyStoppingWeights: this.earlyStopping?.keptWeights ?? null,
        totals: this.totals(),
      });
    } finally {
      // getWeights() makes a fresh scalar for the step count; the rest are the optimizer's own variables.
      optimizerWeights
        .filter((entry) => entry.name === 'iter')
        .forEach((entry) => entry.tensor.dispose());
    }
  }

  /** This run's work added to the earlier attempts'. */
  private totals(): TrainingTotals {
    return {
      seconds: this.before.seconds + (performance.now() - this.started) / 1000,
      stepSeconds: this.before.stepSeconds + this.trainingMs / 1000,
      images: this.before.images + this.imagesTrained,
    };
  }

  result(threads: number): TrainModelResult {
    const { checkpoint, earlyStopping } = this;
    const totals = this.totals();
    return {
      history: this.history,
      epochsRun: this.history.length,
      stoppedEarly: this.stoppedEarly,
      ...(this.pruned === undefined ? {} : { pruned: this.pruned }),
      bestEpoch: checkpoint.bestEpoch,
      best:
        checkpoint.best === null ? null : { monitor: checkpoint.monitor, value: checkpoint.best },
      restoredBestWeights: earlyStopping?.restored ?? false,
      seconds: totals.seconds,
      imagesPerSecond: totals.stepSeconds > 0 ? totals.images / totals.stepSeconds : 0,
      resumedFromEpoch: this.options.resumeFrom?.history.length,
      threads,
    };
  }

  dispose(): void {
    this.optimizer.dispose();
    this.earlyStopping?.dispose();
  }
}

/**
 * Trains `model` with Keras's fit semantics (shuffle each epoch, running loss/accuracy, validation at
 * the end of each epoch, ModelCheckpoint and EarlyStopping), one batch at a time so progress,
 * cancellation and the event loop are served between batches. Every random choice (order, dropout)
 * derives from the seed, epoch and batch, so a run resumed from a snapshot — even one taken
 * mid-epoch — trains exactly as if it had never stopped. The step runs on this thread, or on
 * `threads` replica threads (wasm); the epoch loop is the same either way.
 */
export async function trainModel(options: TrainModelOptions): Promise<TrainModelResult> {
  const { model, train, params } = options;
  validateLabelledTensors(train, 'training');
  if (options.validation) validateLabelledTensors(options.validation, 'validation');
  const run = await TrainingRun.start(options);
  const threads = trainingThreads(options.threads);
  let step: TrainingStep | null = null;
  try {
    const { optimizer } = run;
    step = await startTrainingStep({
      model,
      optimizer,
      train,
      threads,
      maxBatchSize: params.batchSize,
    });
    await run.trainEpochs(step);
  } finally {
    await step?.dispose();
    run.dispose();
  }
  return run.result(threads);
}
