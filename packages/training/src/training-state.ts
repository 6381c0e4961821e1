import type * as tf from '@tensorflow/tfjs-core';
import type { EpochRecord } from '@convoy/schemas';
import type { BestMetricState, EarlyStoppingState } from './callbacks.js';

/** tfjs-core does not export its NamedTensor type; this is the optimizer's weight list. */
export type OptimizerWeights = Parameters<tf.Optimizer['setWeights']>[0];

/** Running sums of an epoch that stopped part-way, so resuming continues its loss and accuracy. */
export interface PartialEpoch {
  /** Batches of the epoch already trained. */
  readonly batch: number;
  readonly lossSum: number;
  readonly correct: number;
  readonly seen: number;
  readonly seconds: number;
}

/**
 * What a job's training has done so far over all its attempts, carried in every snapshot so a
 * resumed run adds to it: its result then describes the whole training, not the last attempt.
 * Work an attempt did after its last snapshot is not counted there; it is trained, and counted, again.
 */
export interface TrainingTotals {
  /** Wall seconds of training (steps, validation, callbacks, snapshots). */
  readonly seconds: number;
  /** Seconds inside training steps alone: images / stepSeconds is the training throughput. */
  readonly stepSeconds: number;
  /** Images trained, every batch counted (partial epochs included). */
  readonly images: number;
}

/** What resuming a run needs, besides the model's weights; trainModel takes ownership of its tensors. */
export interface ResumeState {
  readonly history: readonly EpochRecord[];
  /** Set when the run stopped inside the epoch after the last one in `history`. */
  readonly partialEpoch: PartialEpoch | null;
  readonly checkpoint: BestMetricState;
  readonly earlyStopping: EarlyStoppingState | null;
  readonly optimizerWeights: OptimizerWeights;
  /** Early stopping's copy of the best weights; ownership passes to the resumed run. */
  readonly earlyStoppingWeights: tf.Tensor[] | null;
  /** Null for a checkpoint written before totals were kept: the resumed run counts from zero. */
  readonly totals: TrainingTotals | null;
}

/** A run's full state after `epoch` finished epochs (plus `partialEpoch`, if it stopped mid-epoch). */
export interface TrainingSnapshot extends Omit<ResumeState, 'earlyStoppingWeights' | 'totals'> {
  readonly epoch: number;
  readonly totals: TrainingTotals;
  readonly modelWeights: tf.Tensor[];
  readonly earlyStoppingWeights: readonly tf.Tensor[] | null;
}
