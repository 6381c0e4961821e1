import * as tf from '@tensorflow/tfjs-core';
import {
  asTensor4D,
  assertConvShapes,
  axisWindow,
  type AxisWindow,
  cropSpatial,
  inputSpan,
  isEmptyWindow,
  padToNHWC,
  runConv2D,
  toNHWC,
  windowPadding,
  type PadAttr,
} from './conv-helpers.js';

type Shape4D = [number, number, number, number];
type RoundingMode = 'floor' | 'round' | 'ceil';

/** Geometry shared by both strategies: tfjs's conv info and the x window outputs read. */
export interface FilterGradientPlan {
  info: tf.backend_util.Conv2DInfo;
  rows: AxisWindow;
  cols: AxisWindow;
}

export function planFilterGradient(
  xShape: Shape4D,
  filterShape: Shape4D,
  strides: number | [number, number],
  pad: PadAttr,
  dilations: number | [number, number] = 1,
  dimRoundingMode?: RoundingMode,
): FilterGradientPlan {
  const info = tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    strides,
    dilations,
    pad,
    dimRoundingMode,
  );
  // Only the rows/cols some output reads: 'same' with a stride or rounding can leave x rows unread.
  const rows = axisWindow(
    -info.padInfo.top,
    inputSpan(info.outHeight, info.strideHeight, info.filterHeight, info.dilationHeight),
    info.inHeight,
  );
  const cols = axisWindow(
    -info.padInfo.left,
    inputSpan(info.outWidth, info.strideWidth, info.filterWidth, info.dilationWidth),
    info.inWidth,
  );
  return { info, rows, cols };
}

/**
 * dW as one forward convolution: with x as [CI, H, W, N] (input channels as batch, batch as
 * channels) and dy as the filter [OH, OW, N, CO], dW is a conv with strides d and dilations s
 * over the x window, giving [CI, KH, KW, CO]. Its cost includes XNNPACK packing dy as weights.
 */
export function filterGradientByConv(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  { info, rows, cols }: FilterGradientPlan,
): tf.Tensor4D {
  return tf.tidy(() => {
    const xt = tf.transpose(cropSpatial(x, rows, cols), [3, 1, 2, 0]);
    const dyt = tf.transpose(dy, [1, 2, 0, 3]);
    const strides: [number, number] = [info.dilationHeight, info.dilationWidth];
    const dilations: [number, number] = [info.strideHeight, info.strideWidth];
    const grad = runConv2D(xt, dyt, strides, dilations, windowPadding(rows, cols));
    return tf.transpose(grad, [1, 2, 0, 3]);
  });
}

/**
 * dW as patches^T · dy: a conv with a one-hot filter copies each tap of x into its own channel
 * (exactly: one product by 1, the rest by 0), giving patches [N·OH·OW, KH·KW·CI]. Cheap when
 * KH·KW·CI is small, as in a first layer, where packing dy for the conv strategy dominates.
 */
export function filterGradientByPatches(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  { info, rows, cols }: FilterGradientPlan,
): tf.Tensor4D {
  const { filterHeight, filterWidth, inChannels } = info;
  const taps = filterHeight * filterWidth * inChannels;
  return tf.tidy(() => {
    const oneHot = tf.reshape<tf.Rank.R4>(tf.eye(taps), [
      filterHeight,
      filterWidth,
      inChannels,
      taps,
    ]);
    const strides: [number, number] = [info.strideHeight, info.strideWidth];
    const dilations: [number, number] = [info.dilationHeight, info.dilationWidth];
    const window = cropSpatial(x, rows, cols);
    const patches = runConv2D(window, oneHot, strides, dilations, windowPadding(rows, cols));
    // transposeA: on wasm, Convoy's BatchMatMul (registered with this kernel) picks the cheapest
    // explicit transpose; for a first layer it multiplies dyᵀ · patches, packing only the patches.
    const patchRows = tf.reshape(patches, [-1, taps]);
    const grad = tf.matMul(patchRows, tf.reshape(dy, [-1, info.outChannels]), true, false);
    return tf.reshape<tf.Rank.R4>(grad, info.filterShape);
  });
}

/** Measured on wasm: patches win while KH·KW·CI < CO and stay small (their conv costs taps²). */
const MAX_PATCH_TAPS = 32;

function usePatches({ info }: FilterGradientPlan): boolean {
  const taps = info.filterHeight * info.filterWidth * info.inChannels;
  return taps < info.outChannels && taps <= MAX_PATCH_TAPS;
}

/**
 * Gradient of a conv2d (NHWC) with respect to its filter:
 * dW[kh,kw,ci,co] = Σ_{n,oh,ow} xpad[n, oh·s + kh·d, ow·s + kw·d, ci] · dy[n,oh,ow,co].
 * Padding, output size and rounding come from `computeConv2DInfo`, so they match tfjs exactly;
 * strides and dilations may both exceed 1.
 */
export function conv2dFilterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: Shape4D,
  strides: number | [number, number],
  pad: PadAttr,
  dilations: number | [number, number] = 1,
  dimRoundingMode?: RoundingMode,
): tf.Tensor4D {
  const plan = planFilterGradient(x.shape, filterShape, strides, pad, dilations, dimRoundingMode);
  assertConvShapes('conv2dFilterGradient', dy.shape, plan.info);
  if (isEmptyWindow(plan.rows, plan.cols)) return tf.zeros<tf.Rank.R4>(filterShape);
  return usePatches(plan)
    ? filterGradientByPatches(x, dy, plan)
    : filterGradientByConv(x, dy, plan);
}

/** Kernel for `Conv2DBackpropFilter` (no dilations attr: tfjs only asks for dilation-1 grads). */
export const conv2DBackpropFilterKernel: tf.KernelFunc = ({ inputs, attrs }) => {
  const { x, dy } = inputs as tf.Conv2DBackpropFilterInputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
    attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (x === undefined || dy === undefined) throw new Error('Conv2DBackpropFilter: missing x or dy');
  return tf.tidy(() => {
    const nchw = dataFormat === 'NCHW';
    const x4 = nchw ? toNHWC(asTensor4D(x)) : asTensor4D(x);
    const dy4 = nchw ? toNHWC(asTensor4D(dy)) : asTensor4D(dy);
    const nhwcPad = padToNHWC(pad, dataFormat);
    // The filter layout is [KH, KW, CI, CO] in both data formats.
    return conv2dFilterGradient(x4, dy4, filterShape, strides, nhwcPad, 1, dimRoundingMode);
  });
};

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilterKernel,
};
