import type { LayersModel } from '@tensorflow/tfjs-layers';
import { IMAGE_PIXELS } from '@convoy/schemas';
import { predictBatchClasses } from './predict-batch.js';
import { CONTROL_IMAGES_DONE, CONTROL_NEXT_CHUNK, CONTROL_STOP } from './prediction-protocol.js';

/** What every thread of a data-parallel prediction run shares. */
export interface SharedPredictionRun {
  readonly images: Uint8Array;
  readonly predictions: Int32Array;
  readonly control: Int32Array;
  readonly count: number;
  readonly chunkSize: number;
}

/**
 * Claims the next unclaimed chunk of the image set and writes its predicted classes; false when
 * none is left or the run was stopped. Threads claim chunks as they go, so a slower one takes fewer.
 */
export async function predictNextChunk(
  model: LayersModel,
  run: SharedPredictionRun,
): Promise<boolean> {
  if (Atomics.load(run.control, CONTROL_STOP) !== 0) return false;
  const start = Atomics.add(run.control, CONTROL_NEXT_CHUNK, 1) * run.chunkSize;
  if (start >= run.count) return false;
  const end = Math.min(run.count, start + run.chunkSize);
  const pixels = run.images.subarray(start * IMAGE_PIXELS, end * IMAGE_PIXELS);
  run.predictions.set(await predictBatchClasses(model, pixels, end - start), start);
  Atomics.add(run.control, CONTROL_IMAGES_DONE, end - start);
  return true;
}
