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
}

/** A run's full state after `epoch` finished epochs (plus `partialEpoch`, if it stopped mid-epoch). */
export interface TrainingSnapshot extends Omit<ResumeState, 'earlyStoppingWeights'> {
  readonly epoch: number;
  readonly modelWeights: tf.Tensor[];
  readonly earlyStoppingWeights: readonly tf.Tensor[] | null;
}
