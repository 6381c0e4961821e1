import seedrandom from 'seedrandom';
import { InvalidValueError } from '@convoy/schemas';

/** A seeded PRNG returning floats in [0, 1); the same seed always gives the same sequence. */
export function createRandom(seed: number): () => number {
  if (!Number.isFinite(seed))
    throw new InvalidValueError(`createRandom: seed must be a finite number, got ${seed}`);
  // Alea: fast, good statistical quality, and stable across seedrandom versions.
  const prng = seedrandom.alea(String(seed));
  return () => prng();
}

/** A uniformly random permutation of 0..count-1 (Fisher–Yates), driven by `random`. */
export function shuffleIndices(count: number, random: () => number): Uint32Array {
  if (!Number.isInteger(count) || count < 0 || count > 0xffffffff) {
    throw new InvalidValueError(
      `shuffleIndices: count must be an integer in 0..2^32-1, got ${count}`,
    );
  }
  const indices = new Uint32Array(count);
  for (let i = 0; i < count; i++) indices[i] = i;
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = indices[i] as number;
    indices[i] = indices[j] as number;
    indices[j] = swap;
  }
  return indices;
}
