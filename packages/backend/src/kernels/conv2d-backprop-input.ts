import * as tf from '@tensorflow/tfjs-core';
import {
  asTensor4D,
  assertConvShapes,
  axisWindow,
  cropSpatial,
  isEmptyWindow,
  padToNHWC,
  runConv2D,
  toNCHW,
  toNHWC,
  windowPadding,
  type PadAttr,
} from './conv-helpers.js';

type Shape4D = [number, number, number, number];
type RoundingMode = 'floor' | 'round' | 'ceil';

/** Puts stride − 1 zeros after every row and column of dy: [N, OH·sh, OW·sw, C]. */
function interleaveZeros(dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return dy;
  const [n, oh, ow, c] = dy.shape;
  const spread = tf.pad(tf.reshape(dy, [n, oh, 1, ow, 1, c]), [
    [0, 0],
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
  ]);
  return tf.reshape(spread, [n, oh * sh, ow * sw, c]);
}

/**
 * [KH, KW, CI, CO] → [KH, KW, CO, CI], reversed in KH and KW. One loop over the (small) filter:
 * wasm's Reverse alone took ≈0.5 ms on the seed's [3, 3, 64, 32], a tenth of the convolution.
 */
export function flipFilter(filter: tf.Tensor4D): tf.Tensor4D {
  const [kh, kw, ci, co] = filter.shape;
  const source = filter.dataSync();
  const flipped = new Float32Array(source.length);
  let target = 0;
  for (let h = kh - 1; h >= 0; h--) {
    for (let w = kw - 1; w >= 0; w--) {
      const tap = (h * kw + w) * ci * co;
      for (let o = 0; o < co; o++) {
        for (let i = 0; i < ci; i++) flipped[target++] = source[tap + i * co + o] as number;
      }
    }
  }
  return tf.tensor4d(flipped, [kh, kw, co, ci]);
}

/**
 * Gradient of a conv2d (NHWC) with respect to its input, as one stride-1 forward convolution:
 * dx[n,h,w,ci] = Σ dy[n,oh,ow,co] · W[kh,kw,ci,co] over oh·s + kh·d − top = h. dy with stride − 1
 * zeros interleaved is convolved (dilation d) with the flipped, in/out-transposed filter, padded
 * by (KH − 1)·d − top above and cropped or padded below so the result is exactly the input size
 * (rows the stride skipped come out zero).
 */
export function conv2dInputGradient(
  inputShape: Shape4D,
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: number | [number, number],
  pad: PadAttr,
  dilations: number | [number, number] = 1,
  dimRoundingMode?: RoundingMode,
): tf.Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape,
    strides,
    dilations,
    pad,
    dimRoundingMode,
  );
  assertConvShapes('conv2dInputGradient', dy.shape, info);
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const reachH = (info.filterHeight - 1) * dh;
  const reachW = (info.filterWidth - 1) * dw;
  // In the zero-interleaved dy, output row h reads rows h + top − reach … h + top.
  const rows = axisWindow(info.padInfo.top - reachH, info.inHeight + reachH, info.outHeight * sh);
  const cols = axisWindow(info.padInfo.left - reachW, info.inWidth + reachW, info.outWidth * sw);
  return tf.tidy(() => {
    if (isEmptyWindow(rows, cols)) return tf.zeros<tf.Rank.R4>(inputShape);
    const spread = cropSpatial(interleaveZeros(dy, sh, sw), rows, cols);
    return runConv2D(spread, flipFilter(filter), [1, 1], [dh, dw], windowPadding(rows, cols));
  });
}

/** Kernel for `Conv2DBackpropInput` (also the forward pass of conv2dTranspose). */
export const conv2DBackpropInputKernel: tf.KernelFunc = ({ inputs, attrs }) => {
  const { dy, filter } = inputs as tf.Conv2DBackpropInputInputs;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } =
    attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (dy === undefined || filter === undefined) {
    throw new Error('Conv2DBackpropInput: missing dy or filter');
  }
  return tf.tidy(() => {
    const nchw = dataFormat === 'NCHW';
    const [n, d1, d2, d3] = inputShape;
    const shape: Shape4D = nchw ? [n, d2, d3, d1] : inputShape;
    const dy4 = nchw ? toNHWC(asTensor4D(dy)) : asTensor4D(dy);
    const nhwcPad = padToNHWC(pad, dataFormat);
    const w = asTensor4D(filter);
    const dx = conv2dInputGradient(shape, dy4, w, strides, nhwcPad, 1, dimRoundingMode);
    return nchw ? toNCHW(dx) : dx;
  });
};

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInputKernel,
};
