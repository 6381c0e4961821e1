import type { LayersModel } from '@tensorflow/tfjs-layers';
import { ARTIFACT_FILES } from '@convoy/core';
import {
  batchScalarsSchema,
  DISTRIBUTION_QUANTILES,
  TRAINING_RECORDS_VERSION,
  weightDistributionsSchema,
  type BatchScalars,
  type DistributionWeight,
  type WeightDistributions,
} from '@convoy/schemas';
import type { ArtifactUpload, JobArtifacts } from '@convoy/storage';

/** At most this many per-batch points an epoch when no interval is given. */
export const SCALAR_POINTS_PER_EPOCH = 100;

/** Every how many batches a point is taken: ~SCALAR_POINTS_PER_EPOCH an epoch, every batch for small epochs. */
export function defaultScalarInterval(batchesPerEpoch: number): number {
  return Math.max(1, Math.ceil(batchesPerEpoch / SCALAR_POINTS_PER_EPOCH));
}

/** One trained batch, as trainModel reports it to onBatchEnd. */
export interface BatchEnd {
  readonly epoch: number;
  /** 0-based index of the batch within its epoch. */
  readonly batch: number;
  readonly batches: number;
  /** The batch's mean loss. */
  readonly loss: number;
  /** Images the model classified right in the batch. */
  readonly correct: number;
  readonly images: number;
}

/**
 * Collects per-batch loss and accuracy into points of `every` batches (plus one at each epoch's
 * end). Plain numbers only: recording costs no tensor and no await.
 */
export class BatchScalarRecorder {
  private readonly points: Omit<BatchScalars, 'version' | 'every' | 'batchesPerEpoch'>;
  private window = { batches: 0, lossSum: 0, correct: 0, images: 0 };

  constructor(
    readonly batchesPerEpoch: number,
    readonly every: number = defaultScalarInterval(batchesPerEpoch),
    /** Points recorded before a resume; those past the resume position must already be dropped. */
    initial?: BatchScalars,
  ) {
    if (!Number.isInteger(every) || every < 1)
      throw new RangeError(`the scalar interval must be a positive integer, not ${every}`);
    this.points = {
      step: [...(initial?.step ?? [])],
      epoch: [...(initial?.epoch ?? [])],
      loss: [...(initial?.loss ?? [])],
      accuracy: [...(initial?.accuracy ?? [])],
    };
  }

  add(end: BatchEnd): void {
    const window = this.window;
    window.batches += 1;
    window.lossSum += end.loss * end.images;
    window.correct += end.correct;
    window.images += end.images;
    const done = end.batch + 1;
    if (done % this.every !== 0 && done !== end.batches) return;
    this.points.step.push((end.epoch - 1) * this.batchesPerEpoch + done);
    this.points.epoch.push(end.epoch);
    this.points.loss.push(window.lossSum / window.images);
    this.points.accuracy.push(window.correct / window.images);
    this.window = { batches: 0, lossSum: 0, correct: 0, images: 0 };
  }

  get size(): number {
    return this.points.step.length;
  }

  toJSON(): BatchScalars {
    return {
      version: TRAINING_RECORDS_VERSION,
      every: this.every,
      batchesPerEpoch: this.batchesPerEpoch,
      step: [...this.points.step],
      epoch: [...this.points.epoch],
      loss: [...this.points.loss],
      accuracy: [...this.points.accuracy],
    };
  }
}

/** The points of `scalars` up to and including batch `step` (what a resume continues after). */
export function scalarsUpTo(scalars: BatchScalars, step: number): BatchScalars {
  const keep = scalars.step.filter((value) => value <= step).length;
  return {
    ...scalars,
    step: scalars.step.slice(0, keep),
    epoch: scalars.epoch.slice(0, keep),
    loss: scalars.loss.slice(0, keep),
    accuracy: scalars.accuracy.slice(0, keep),
  };
}

/** The value at fraction `q` of sorted `values` (linear interpolation, numpy's default). */
export function quantileOfSorted(values: Float32Array, q: number): number {
  if (values.length === 0) throw new RangeError('no values');
  const position = q * (values.length - 1);
  const below = Math.floor(position);
  const above = Math.min(values.length - 1, below + 1);
  const low = values[below] ?? 0;
  return low + ((values[above] ?? low) - low) * (position - below);
}

/** `conv2d/kernel` or `conv2d/kernel_1` (a name tfjs made unique) → `kernel`. */
const weightName = (name: string) => (name.split('/').pop() ?? name).replace(/_\d+$/, '');

/**
 * The distribution of every weight tensor of `model` now: DISTRIBUTION_QUANTILES and the mean.
 * Reads the variables' values (no tensor is created, so nothing needs disposing).
 */
export async function weightQuantiles(model: LayersModel): Promise<{
  weights: DistributionWeight[];
  values: number[][];
  mean: number[];
}> {
  const weights: DistributionWeight[] = [];
  const values: number[][] = [];
  const mean: number[] = [];
  // Numbered as Keras's model.layers and the summary's rows: the input layer is not counted.
  const layers = model.layers.filter((layer) => layer.getClassName() !== 'InputLayer');
  for (const [layerIndex, layer] of layers.entries()) {
    for (const variable of layer.weights) {
      const data = await variable.read().data();
      if (data.length === 0) continue;
      const sorted = Float32Array.from(data).sort();
      let sum = 0;
      for (const value of sorted) sum += value;
      weights.push({
        layerIndex,
        layer: layer.name,
        className: layer.getClassName(),
        weight: weightName(variable.originalName ?? variable.name),
        size: sorted.length,
      });
      values.push(DISTRIBUTION_QUANTILES.map((q) => quantileOfSorted(sorted, q)));
      mean.push(sum / sorted.length);
    }
  }
  return { weights, values, mean };
}

/** Per-epoch weight distributions, from epoch 0 (untrained) on. */
export class DistributionRecorder {
  private record: WeightDistributions | null;

  /** `initial`: what an earlier attempt recorded, cut at the epoch this run resumes after. */
  constructor(initial?: WeightDistributions) {
    this.record = initial ?? null;
  }

  /** Records the weights `model` has after `epoch` finished epochs (0: untrained). */
  async add(epoch: number, model: LayersModel): Promise<void> {
    const { weights, values, mean } = await weightQuantiles(model);
    const same =
      this.record !== null &&
      JSON.stringify(this.record.weights) === JSON.stringify(weights) &&
      this.record.quantiles.length === DISTRIBUTION_QUANTILES.length;
    if (!same || this.record === null) {
      this.record = {
        version: TRAINING_RECORDS_VERSION,
        quantiles: [...DISTRIBUTION_QUANTILES],
        weights,
        epochs: [],
      };
    }
    const epochs = this.record.epochs.filter((entry) => entry.epoch < epoch);
    this.record = { ...this.record, epochs: [...epochs, { epoch, values, mean }] };
  }

  get epochs(): number {
    return this.record?.epochs.length ?? 0;
  }

  toJSON(): WeightDistributions | null {
    return this.record;
  }
}

/** What a resumed run recorded before, cut at its checkpoint: `epoch` finished epochs plus `batch`. */
export async function readTrainingRecords(
  artifacts: JobArtifacts,
  position: { epoch: number; batch: number; batchesPerEpoch: number },
): Promise<{ scalars?: BatchScalars; distributions?: WeightDistributions }> {
  const read = async <T>(path: string, schema: { safeParse(value: unknown): { data?: T } }) => {
    try {
      if ((await artifacts.stat(path)) === null) return undefined;
      return schema.safeParse(JSON.parse((await artifacts.read(path)).toString('utf8'))).data;
    } catch {
      return undefined; // unreadable: recording starts again from the resume position
    }
  };
  const [scalars, distributions] = await Promise.all([
    read<BatchScalars>(ARTIFACT_FILES.scalars, batchScalarsSchema),
    read<WeightDistributions>(ARTIFACT_FILES.distributions, weightDistributionsSchema),
  ]);
  const step = position.epoch * position.batchesPerEpoch + position.batch;
  return {
    ...(scalars !== undefined && scalars.batchesPerEpoch === position.batchesPerEpoch
      ? { scalars: scalarsUpTo(scalars, step) }
      : {}),
    ...(distributions !== undefined
      ? {
          distributions: {
            ...distributions,
            epochs: distributions.epochs.filter((entry) => entry.epoch <= position.epoch),
          },
        }
      : {}),
  };
}

const json = (value: unknown) => `${JSON.stringify(value)}\n`;

/** scalars.json and distributions.json as one upload (each file replaced whole). */
export function trainingRecordsUpload(
  scalars: BatchScalarRecorder,
  distributions: DistributionRecorder,
): ArtifactUpload {
  const record = distributions.toJSON();
  return {
    writes: [
      { path: ARTIFACT_FILES.scalars, data: json(scalars.toJSON()) },
      ...(record === null ? [] : [{ path: ARTIFACT_FILES.distributions, data: json(record) }]),
    ],
  };
}
