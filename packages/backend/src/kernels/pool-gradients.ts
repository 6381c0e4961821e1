import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { overriding } from './wasm-override.js';

/**
 * Pool gradients for wasm, written in JavaScript straight on the wasm heap. wasm's own kernels
 * loop over every input pixel and every window (≈17 ms for the seed's [32, 28, 28, 32] 2×2 pool),
 * and its MaxPoolGrad does not match tfjs: it routes a window's gradient to the *last* of tied
 * maxima, and when no value in the window exceeds FLT_MIN (all zeros or negative) to element 0 of
 * the whole tensor, so the gradient of windows without a positive value is lost. These visit each
 * window once and follow tfjs's cpu kernels exactly.
 */

type Pool2DInfo = tf.backend_util.Conv2DInfo;

/** A float's bits mapped to an int32 that orders like the float (−0 and +0 equal). */
function orderKey(bits: number): number {
  return (bits ^ ((bits >> 31) & 0x7fffffff)) - (bits >> 31);
}

/** Keys at or below −∞'s are never a window's maximum (tfjs starts from −∞ and needs v > max). */
const NEG_INF_KEY = orderKey(0xff800000 | 0);
/** Keys above +∞'s are NaNs, which `v > max` never picks either. */
const POS_INF_KEY = orderKey(0x7f800000);

/** The NHWC pool geometry tfjs's cpu kernels use; throws when dy does not fit it. */
function poolInfo(
  op: string,
  xShape: number[],
  dyShape: number[],
  filterSize: number | [number, number],
  strides: number | [number, number],
  pad: tf.MaxPoolGradAttrs['pad'],
  dimRoundingMode?: tf.MaxPoolGradAttrs['dimRoundingMode'],
): Pool2DInfo {
  if (xShape.length !== 4) throw new Error(`${op}: input must be rank 4, got [${xShape}]`);
  const info = tf.backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  if (dyShape.length !== 4 || dyShape.some((d, i) => d !== info.outShape[i])) {
    throw new Error(`${op}: dy shape [${dyShape}] is not the pool output shape [${info.outShape}]`);
  }
  return info;
}

/**
 * dx of a max pool: each window's dy goes to the first position of its maximum in scan order
 * (rows, then columns), as tfjs's cpu `maxPoolPositions` chooses it (strictly greater than the
 * running maximum, starting from −∞: NaN and −∞ are never chosen, a window with nothing else gets
 * no gradient); overlapping windows add up.
 *
 * The comparison runs on integer keys of the float bits: branch-free, it is ≈2× faster than
 * `if (v > max)` on data whose maxima are unpredictable.
 */
export function maxPoolGradInto(
  x: Int32Array,
  dy: Float32Array,
  dx: Float32Array,
  info: Pool2DInfo,
): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, effectiveFilterHeight, effectiveFilterWidth } = info;
  const { top, left } = info.padInfo;
  dx.fill(0);
  if (isDisjoint2x2(info)) {
    maxPool2x2GradInto(x, dy, dx, info);
    return;
  }
  let o = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const rowStart = oh * strideHeight - top;
      const r0 = Math.max(0, rowStart);
      const r1 = Math.min(inHeight, rowStart + effectiveFilterHeight);
      for (let ow = 0; ow < outWidth; ow++, o += inChannels) {
        const colStart = ow * strideWidth - left;
        const c0 = Math.max(0, colStart);
        const c1 = Math.min(inWidth, colStart + effectiveFilterWidth);
        for (let d = 0; d < inChannels; d++) {
          let best = NEG_INF_KEY;
          let where = -1;
          for (let r = r0; r < r1; r++) {
            let p = ((b * inHeight + r) * inWidth + c0) * inChannels + d;
            for (let c = c0; c < c1; c++, p += inChannels) {
              const key = orderKey(x[p] as number);
              // A NaN's key is above +∞'s (or, negative, below −∞'s): it never wins.
              const wins = -(+(key > best) & +(key <= POS_INF_KEY));
              best ^= (best ^ key) & wins;
              where ^= (where ^ p) & wins;
            }
          }
          if (where >= 0) dx[where] = (dx[where] as number) + (dy[o + d] as number);
        }
      }
    }
  }
}

/** The seed's pool: 2×2 windows, stride 2, no padding, so every window lies whole inside x. */
function isDisjoint2x2(info: Pool2DInfo): boolean {
  return (
    info.effectiveFilterHeight === 2 &&
    info.effectiveFilterWidth === 2 &&
    info.strideHeight === 2 &&
    info.strideWidth === 2 &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0 &&
    info.outHeight * 2 <= info.inHeight &&
    info.outWidth * 2 <= info.inWidth
  );
}

/**
 * maxPoolGradInto for disjoint 2×2 windows, the four candidates unrolled with channels innermost:
 * the general loop's per-window bounds and two-trip inner loops cost more than the comparisons.
 * Same choice rule (first strict maximum in scan order, NaN and −∞ never chosen).
 */
function maxPool2x2GradInto(x: Int32Array, dy: Float32Array, dx: Float32Array, info: Pool2DInfo) {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const rowStride = inWidth * channels;
  let o = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++, o += channels) {
        const p0 = ((b * inHeight + oh * 2) * inWidth + ow * 2) * channels;
        for (let d = 0; d < channels; d++) {
          let best = NEG_INF_KEY;
          let where = -1;
          let p = p0 + d;
          let key = orderKey(x[p] as number);
          let wins = -(+(key > best) & +(key <= POS_INF_KEY));
          best ^= (best ^ key) & wins;
          where ^= (where ^ p) & wins;
          p += channels;
          key = orderKey(x[p] as number);
          wins = -(+(key > best) & +(key <= POS_INF_KEY));
          best ^= (best ^ key) & wins;
          where ^= (where ^ p) & wins;
          p += rowStride - channels;
          key = orderKey(x[p] as number);
          wins = -(+(key > best) & +(key <= POS_INF_KEY));
          best ^= (best ^ key) & wins;
          where ^= (where ^ p) & wins;
          p += channels;
          key = orderKey(x[p] as number);
          wins = -(+(key > best) & +(key <= POS_INF_KEY));
          where ^= (where ^ p) & wins;
          if (where >= 0) dx[where] = dy[o + d] as number;
        }
      }
    }
  }
}

/**
 * dx of an average pool as tfjs's cpu kernel computes it: every input position of a window gets
 * dy / (filterHeight · filterWidth), padding counted in the divisor; overlapping windows add up.
 */
export function avgPoolGradInto(dy: Float32Array, dx: Float32Array, info: Pool2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, effectiveFilterHeight, effectiveFilterWidth } = info;
  const { top, left } = info.padInfo;
  const scale = 1 / (info.filterHeight * info.filterWidth);
  // Windows that do not overlap give each position one value: copy a window's scaled dy row
  // (float32, rounded once as cpu rounds it) into its positions, which `set` does far faster.
  const disjoint =
    strideHeight >= effectiveFilterHeight && strideWidth >= effectiveFilterWidth && inChannels >= 8;
  const scaled = new Float32Array(inChannels);
  dx.fill(0);
  let o = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const rowStart = oh * strideHeight - top;
      const r0 = Math.max(0, rowStart);
      const r1 = Math.min(inHeight, rowStart + effectiveFilterHeight);
      for (let ow = 0; ow < outWidth; ow++, o += inChannels) {
        const colStart = ow * strideWidth - left;
        const c0 = Math.max(0, colStart);
        const c1 = Math.min(inWidth, colStart + effectiveFilterWidth);
        if (disjoint) {
          for (let d = 0; d < inChannels; d++) scaled[d] = (dy[o + d] as number) * scale;
        }
        for (let r = r0; r < r1; r++) {
          for (let c = c0; c < c1; c++) {
            const p = ((b * inHeight + r) * inWidth + c) * inChannels;
            if (disjoint) {
              dx.set(scaled, p);
              continue;
            }
            for (let d = 0; d < inChannels; d++) {
              dx[p + d] = (dx[p + d] as number) + (dy[o + d] as number) * scale;
            }
          }
        }
      }
    }
  }
}

function float32View(backend: BackendWasm, info: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** `MaxPoolGrad` for wasm (float32; anything else goes to wasm's own kernel). */
export function makeMaxPoolGradConfig(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { dy, input } = args.inputs as tf.MaxPoolGradInputs;
    if (dy === undefined || input === undefined) throw new Error('MaxPoolGrad: missing dy or x');
    if (dy.dtype !== 'float32' || input.dtype !== 'float32') return original.kernelFunc(args);
    const { filterSize, strides, pad, dimRoundingMode } =
      args.attrs as unknown as tf.MaxPoolGradAttrs;
    const info = poolInfo(
      'MaxPoolGrad',
      input.shape,
      dy.shape,
      filterSize,
      strides,
      pad,
      dimRoundingMode,
    );
    const backend = args.backend as BackendWasm;
    const out = backend.makeOutput(input.shape, 'float32');
    // Views only after the allocation: growing the wasm heap detaches older ones.
    const x = float32View(backend, input);
    maxPoolGradInto(
      new Int32Array(x.buffer, x.byteOffset, x.length),
      float32View(backend, dy),
      float32View(backend, out),
      info,
    );
    return out;
  };
  return { ...overriding(original), kernelFunc };
}

/** `AvgPoolGrad` for wasm (float32; anything else goes to wasm's own kernel). */
export function makeAvgPoolGradConfig(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { dy, input } = args.inputs as tf.AvgPoolGradInputs;
    if (dy === undefined || input === undefined) throw new Error('AvgPoolGrad: missing dy or x');
    if (dy.dtype !== 'float32' || input.dtype !== 'float32') return original.kernelFunc(args);
    const { filterSize, strides, pad } = args.attrs as unknown as tf.AvgPoolGradAttrs;
    const info = poolInfo('AvgPoolGrad', input.shape, dy.shape, filterSize, strides, pad);
    const backend = args.backend as BackendWasm;
    const out = backend.makeOutput(input.shape, 'float32');
    avgPoolGradInto(float32View(backend, dy), float32View(backend, out), info);
    return out;
  };
  return { ...overriding(original), kernelFunc };
}
