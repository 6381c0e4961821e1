import { InvalidValueError } from '@convoy/schemas';
import { NUM_CLASSES, countPerClass, selectImages } from './image-set.js';
import type { ImageSet } from './image-set.js';
import { createRandom, shuffleIndices } from './random.js';

export interface SplitOptions {
  /** How many images of the pool to use, taken class-balanced before the validation split. */
  limit?: number | undefined;
  /** Fraction of the (limited) pool that becomes validation data, in [0, 0.9]. */
  validationSplit: number;
  seed: number;
}

export const MIN_LIMIT = NUM_CLASSES;
export const MAX_VALIDATION_SPLIT = 0.9;

/**
 * Draws a training and a validation set from `pool`, deterministically for a seed:
 * optionally a class-balanced subset of `limit` images (a seeded random choice within each
 * class), then shuffled, and `round(count * validationSplit)` images become validation data.
 */
export function splitTrainingData(
  pool: ImageSet,
  options: SplitOptions,
): { train: ImageSet; validation: ImageSet } {
  const { limit, validationSplit, seed } = options;
  checkSplitOptions(pool, options);
  const random = createRandom(seed);
  const selected =
    limit === undefined || limit === pool.count
      ? allIndices(pool.count)
      : selectBalanced(pool.labels, limit, random);
  const order = shuffleIndices(selected.length, random);
  const shuffled = order.map((position) => selected[position] as number);
  const validationCount = Math.round(selected.length * validationSplit);
  const trainCount = selected.length - validationCount;
  return {
    train: selectImages(pool, shuffled.subarray(0, trainCount)),
    validation: selectImages(pool, shuffled.subarray(trainCount)),
  };
}

function checkSplitOptions(pool: ImageSet, { limit, validationSplit }: SplitOptions): void {
  if (!(validationSplit >= 0 && validationSplit <= MAX_VALIDATION_SPLIT)) {
    throw new InvalidValueError(
      `validationSplit must be in [0, ${MAX_VALIDATION_SPLIT}], got ${validationSplit}`,
    );
  }
  if (limit === undefined) return;
  if (!Number.isInteger(limit) || limit < MIN_LIMIT || limit > pool.count) {
    throw new InvalidValueError(
      `limit must be an integer between ${MIN_LIMIT} and the pool size ${pool.count}, got ${limit}`,
    );
  }
}

/**
 * `limit` indices, spread as evenly as the classes allow (limit/10 each, the remainder to the
 * first classes; a class that runs short passes its share on). Every class is shuffled whether
 * or not it is used, so the PRNG stream, and hence the choice, is the same for every limit:
 * a smaller limit's selection is a subset of a larger one's.
 */
function selectBalanced(labels: Uint8Array, limit: number, random: () => number): Uint32Array {
  const byClass = indicesByClass(labels);
  const quotas = classQuotas(
    byClass.map((indices) => indices.length),
    limit,
  );
  const selected = new Uint32Array(limit);
  let filled = 0;
  byClass.forEach((indices, label) => {
    const order = shuffleIndices(indices.length, random);
    const quota = quotas[label] ?? 0;
    for (let i = 0; i < quota; i++) selected[filled++] = indices[order[i] as number] as number;
  });
  return selected;
}

/** Per-class image counts that sum to `limit` (which must not exceed the sum of `available`). */
export function classQuotas(available: readonly number[], limit: number): number[] {
  const quotas = available.map(() => 0);
  let remaining = limit;
  while (remaining > 0) {
    const open = quotas.flatMap((quota, label) => (quota < (available[label] ?? 0) ? [label] : []));
    if (open.length === 0)
      throw new InvalidValueError(
        `limit ${limit} exceeds the ${limit - remaining} images available`,
      );
    const share = Math.floor(remaining / open.length);
    const extra = remaining % open.length;
    open.forEach((label, rank) => {
      const wanted = share + (rank < extra ? 1 : 0);
      const taken = Math.min(wanted, (available[label] ?? 0) - (quotas[label] ?? 0));
      quotas[label] = (quotas[label] ?? 0) + taken;
      remaining -= taken;
    });
  }
  return quotas;
}

function indicesByClass(labels: Uint8Array): Uint32Array[] {
  const byClass = countPerClass(labels).map((count) => new Uint32Array(count));
  const filled = new Array<number>(NUM_CLASSES).fill(0);
  labels.forEach((label, index) => {
    const slot = filled[label] ?? 0;
    (byClass[label] as Uint32Array)[slot] = index;
    filled[label] = slot + 1;
  });
  return byClass;
}

function allIndices(count: number): Uint32Array {
  const indices = new Uint32Array(count);
  for (let i = 0; i < count; i++) indices[i] = i;
  return indices;
}
