/**
 * Helpers shared by the kernel tests: deterministic inputs, running the same graph on cpu and
 * wasm and comparing the results, installing Convoy's kernels around a test file, and leak checks.
 *
 * Not a test file itself (no `.test.ts`), and excluded from the build by tsconfig.json. It imports
 * no backend: each test file picks its own (and whether tfjs-layers registers gradients).
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect } from 'vitest';
import {
  registerWasmTrainingKernels,
  unregisterWasmTrainingKernels,
} from './register-wasm-kernels.js';

export type Shape4D = [number, number, number, number];
export type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

/** Number of elements of a tensor of this shape. */
export function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Deterministic values in [-1, 1) (a linear congruential generator), so failures reproduce. */
export function values(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let state = seed;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out[i] = (state >>> 8) / 2 ** 23 - 1;
  }
  return out;
}

/** A tensor of `shape` filled with `values(…, seed)`. */
export function tensor(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(values(sizeOf(shape), seed), shape);
}

/** As `tensor`, typed (and rank-checked) as 4D. */
export function tensor4d(shape: Shape4D, seed: number): tf.Tensor4D {
  return tf.tensor4d(values(sizeOf(shape), seed), shape);
}

/** Largest absolute difference relative to the largest expected magnitude (NaN if any is NaN). */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs((actual[i] ?? NaN) - (expected[i] ?? NaN)));
    maxRef = Math.max(maxRef, Math.abs(expected[i] ?? NaN));
  }
  return maxDiff / Math.max(maxRef, 1e-6);
}

/** Index of the first value that is not bit-for-bit the same (−0 ≠ +0), or −1. */
export function firstDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) return i;
  }
  return -1;
}

/** One result tensor read back to plain data, so it outlives the tensor and the backend switch. */
export interface Result {
  shape: number[];
  dtype: tf.DataType;
  values: ArrayLike<number>;
}

/** Runs `f` on a backend and returns every result tensor's shape, dtype and values, disposing all. */
export async function runOnBackend(backend: string, f: () => tf.Tensor[]): Promise<Result[]> {
  await tf.setBackend(backend);
  const results = tf.tidy(f);
  const data = await Promise.all(
    results.map(async (t) => ({
      shape: t.shape,
      dtype: t.dtype,
      values: (await t.data()) as ArrayLike<number>,
    })),
  );
  tf.dispose(results);
  return data;
}

/** What `expectWasmResultsMatchCpu` compares besides the values; tests differ in what they need. */
export interface MatchOptions {
  /** Largest relative error allowed (unless `exact`). */
  tolerance: number;
  /** Require bit-for-bit equal values (−0 ≠ +0) instead of the tolerance. */
  exact?: boolean;
  shape?: boolean;
  dtype?: boolean;
  /** Require the same number of values. */
  length?: boolean;
}

/** Runs `f` on cpu (the reference) and then on wasm, and expects the same results. */
export async function expectWasmResultsMatchCpu(
  f: () => tf.Tensor[],
  options: MatchOptions,
): Promise<void> {
  const expected = await runOnBackend('cpu', f);
  const actual = await runOnBackend('wasm', f);
  expect(actual).toHaveLength(expected.length);
  expected.forEach((e, i) => {
    const a = actual[i];
    if (options.shape) expect(a?.shape).toEqual(e.shape);
    if (options.dtype) expect(a?.dtype).toBe(e.dtype);
    if (options.length) expect(a?.values).toHaveLength(e.values.length);
    if (options.exact) expect(firstDifference(a?.values ?? [], e.values)).toBe(-1);
    else expect(relativeError(a?.values ?? [], e.values)).toBeLessThanOrEqual(options.tolerance);
  });
}

/**
 * Makes wasm the backend with Convoy's training kernels for the calling test file, and restores
 * the previous backend and wasm's own kernels afterwards, so test files do not affect each other.
 */
export function useWasmTrainingKernels(): void {
  let previousBackend = '';

  beforeAll(async () => {
    previousBackend = tf.getBackend();
    await tf.setBackend('wasm');
    registerWasmTrainingKernels();
  });

  afterAll(async () => {
    unregisterWasmTrainingKernels();
    if (previousBackend) await tf.setBackend(previousBackend);
  });
}

/** Data buffers the current backend holds: a leak the engine's tensor count would not show. */
export function backendBuffers(): number {
  return tf.engine().backend.numDataIds();
}

/**
 * Runs `step` once to warm up (kernels may cache), then `iterations` more times, disposing its
 * result each time, and expects no tensors, bytes or backend buffers left behind.
 */
export function expectNoLeaks(step: () => tf.TensorContainer, iterations: number): void {
  tf.dispose(step());
  const before = tf.memory();
  const buffersBefore = backendBuffers();
  for (let i = 0; i < iterations; i++) tf.dispose(step());
  expect(tf.memory().numTensors).toBe(before.numTensors);
  expect(tf.memory().numBytes).toBe(before.numBytes);
  expect(backendBuffers()).toBe(buffersBefore);
}
