import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { overriding } from './wasm-override.js';

/**
 * Column sums of a row-major [rows, columns] matrix, each accumulated in float64 down the rows,
 * in the order and precision of tfjs's cpu Sum. Eight columns at a time, their sums in locals
 * (≈0.35 ms for [25088, 32], against ≈1 ms with the sums in an array).
 */
export function sumRowsInto(
  x: Float32Array,
  rows: number,
  columns: number,
  out: Float32Array,
): void {
  const at = (i: number) => x[i] as number;
  let c = 0;
  for (; c + 8 <= columns; c += 8) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let s4 = 0;
    let s5 = 0;
    let s6 = 0;
    let s7 = 0;
    for (let r = 0, p = c; r < rows; r++, p += columns) {
      s0 += at(p);
      s1 += at(p + 1);
      s2 += at(p + 2);
      s3 += at(p + 3);
      s4 += at(p + 4);
      s5 += at(p + 5);
      s6 += at(p + 6);
      s7 += at(p + 7);
    }
    out.set([s0, s1, s2, s3, s4, s5, s6, s7], c);
  }
  for (; c < columns; c++) {
    let sum = 0;
    for (let r = 0, p = c; r < rows; r++, p += columns) sum += at(p);
    out[c] = sum;
  }
}

/** True when `axis` names every axis but the last (a bias gradient: dy summed over N, H, W). */
export function reducesLeadingAxes(axis: number | number[], rank: number): boolean {
  const axes = tf.util.parseAxisParam(axis, new Array<number>(rank).fill(1));
  const unique = new Set(axes);
  if (rank < 2 || unique.size !== rank - 1) return false;
  for (let i = 0; i < rank - 1; i++) if (!unique.has(i)) return false;
  return true;
}

/**
 * `Sum` for wasm. Summing a float32 tensor over all its axes but the last — every conv and dense
 * bias gradient — wasm first transposes it to put those axes last (≈1.7 ms for the seed's
 * [32, 28, 28, 32]); this sums the columns where they lie (≈0.35 ms), in float64 as cpu does.
 * Other sums go to wasm's own kernel.
 */
export function makeSumConfig(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { x } = args.inputs as tf.SumInputs;
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    if (x === undefined) throw new Error('Sum: missing x');
    const rank = x.shape.length;
    const size = tf.util.sizeFromShape(x.shape);
    if (x.dtype !== 'float32' || size === 0 || !reducesLeadingAxes(axis, rank)) {
      return original.kernelFunc(args);
    }
    const columns = x.shape[rank - 1] ?? 1;
    const rows = size / columns;
    const shape = keepDims ? [...new Array<number>(rank - 1).fill(1), columns] : [columns];
    const backend = args.backend as BackendWasm;
    const out = backend.makeOutput(shape, 'float32');
    // Views only after the allocation: growing the wasm heap detaches older ones.
    const values = backend.typedArrayFromHeap(x) as Float32Array;
    sumRowsInto(values, rows, columns, backend.typedArrayFromHeap(out) as Float32Array);
    return out;
  };
  return { ...overriding(original), kernelFunc };
}
