import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { EarlyStoppingConfig, TrainingMetric } from '@convoy/schemas';

export type EpochLogs = Partial<Record<TrainingMetric, number>>;

/** Keras's mode 'auto': accuracies improve upwards, losses downwards. */
const improvesUpwards = (monitor: TrainingMetric) => monitor.endsWith('accuracy');

export function isImprovement(
  monitor: TrainingMetric,
  current: number,
  best: number | null,
  minDelta = 0,
): boolean {
  if (best === null) return true;
  return improvesUpwards(monitor) ? current - minDelta > best : current + minDelta < best;
}

/** Tracks the best value of a metric, as ModelCheckpoint(save_best_only=True) does. */
export interface BestMetricState {
  readonly best: number | null;
  readonly bestEpoch: number | null;
}

export class BestMetricTracker {
  best: number | null = null;
  bestEpoch: number | null = null;

  constructor(readonly monitor: TrainingMetric) {}

  get state(): BestMetricState {
    return { best: this.best, bestEpoch: this.bestEpoch };
  }

  restore(state: BestMetricState): void {
    this.best = state.best;
    this.bestEpoch = state.bestEpoch;
  }

  /** True when this epoch's value beats every earlier one. */
  update(epoch: number, logs: EpochLogs): boolean {
    const current = logs[this.monitor];
    if (current === undefined || !isImprovement(this.monitor, current, this.best)) return false;
    this.best = current;
    this.bestEpoch = epoch;
    return true;
  }
}

/**
 * Keras's EarlyStopping (TF 2.x semantics): `wait` counts epochs without an improvement of at least
 * `minDelta`; at `patience` training stops and, with restoreBestWeights, the best epoch's weights come
 * back. tfjs's own callback ignores restoreBestWeights, hence this one.
 */
export interface EarlyStoppingState {
  readonly wait: number;
  readonly best: number | null;
  readonly bestEpoch: number | null;
}

export class EarlyStopping {
  wait = 0;
  best: number | null = null;
  bestEpoch: number | null = null;
  stoppedEpoch: number | null = null;
  restored = false;
  private bestWeights: tf.Tensor[] | null = null;

  constructor(readonly config: EarlyStoppingConfig) {}

  /** Returns true when training should stop after this epoch (1-based). */
  onEpochEnd(epoch: number, logs: EpochLogs, model: LayersModel): boolean {
    const current = logs[this.config.monitor];
    if (current === undefined) return false;
    // Keras keeps the first epoch's weights even when nothing ever improves.
    if (this.config.restoreBestWeights && this.bestWeights === null) this.keepWeights(model);
    this.wait += 1;
    if (isImprovement(this.config.monitor, current, this.best, this.config.minDelta)) {
      this.best = current;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.config.restoreBestWeights) this.keepWeights(model);
    }
    if (this.wait >= this.config.patience && epoch > 1) {
      this.stoppedEpoch = epoch;
      if (this.config.restoreBestWeights && this.bestWeights !== null) {
        model.setWeights(this.bestWeights);
        this.restored = true;
      }
      return true;
    }
    return false;
  }

  /**
   * For a run resumed after `epoch` finished epochs: whether training had already stopped there
   * (the worker crashed between the last epoch and the job's completion). Restores the best
   * weights as the stop did, so the resumed run ends where the first one did, without another epoch.
   */
  stoppedAt(epoch: number, model: LayersModel): boolean {
    if (!(this.wait >= this.config.patience && epoch > 1 && this.best !== null)) return false;
    this.stoppedEpoch = epoch;
    if (this.config.restoreBestWeights && this.bestWeights !== null) {
      model.setWeights(this.bestWeights);
      this.restored = true;
    }
    return true;
  }

  get state(): EarlyStoppingState {
    return { wait: this.wait, best: this.best, bestEpoch: this.bestEpoch };
  }

  /** Continues from a checkpoint; takes ownership of `bestWeights`. */
  restore(state: EarlyStoppingState, bestWeights: tf.Tensor[] | null): void {
    this.wait = state.wait;
    this.best = state.best;
    this.bestEpoch = state.bestEpoch;
    this.bestWeights?.forEach((tensor) => tensor.dispose());
    this.bestWeights = bestWeights;
  }

  /** The weights it would restore, for checkpoints that must survive a restart. */
  get keptWeights(): readonly tf.Tensor[] | null {
    return this.bestWeights;
  }

  dispose(): void {
    this.bestWeights?.forEach((tensor) => tensor.dispose());
    this.bestWeights = null;
  }

  private keepWeights(model: LayersModel): void {
    this.bestWeights?.forEach((tensor) => tensor.dispose());
    this.bestWeights = model.getWeights().map((weight) => tf.clone(weight));
  }
}
