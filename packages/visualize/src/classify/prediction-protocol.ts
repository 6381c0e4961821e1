import type { ReplicaSetup } from '@convoy/model';

/** What the coordinating thread and its prediction replicas share and say to each other. */

/** Shared memory of a prediction replica; every buffer is shared by all replicas of a run. */
export interface PredictionBuffers {
  /** All the model's weights (LayersModel.weights order), concatenated. */
  readonly weights: SharedArrayBuffer;
  /** The image set's pixels, 0–255, [count, 28, 28]. */
  readonly images: SharedArrayBuffer;
  /** Predicted class per image, written by whichever thread took its chunk. */
  readonly predictions: SharedArrayBuffer;
  /** Int32 [next chunk, images done, stop flag], updated with Atomics. */
  readonly control: SharedArrayBuffer;
}

export const CONTROL_NEXT_CHUNK = 0;
export const CONTROL_IMAGES_DONE = 1;
export const CONTROL_STOP = 2;
export const CONTROL_SLOTS = 3;

/** A prediction replica's workerData. */
export interface PredictionReplicaSetup extends ReplicaSetup {
  readonly buffers: PredictionBuffers;
}

/** Predict chunks of the image set until none is left. */
export interface PredictRequest {
  readonly type: 'predict';
  readonly count: number;
  readonly chunkSize: number;
}

export interface PredictAnswer {
  readonly type: 'predicted';
  /** Chunks this replica predicted. */
  readonly chunks: number;
}
