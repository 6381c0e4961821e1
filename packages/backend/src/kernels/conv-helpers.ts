import * as tf from '@tensorflow/tfjs-core';

type ExplicitPadding = tf.backend_util.ExplicitPadding;
type PadAttr = 'valid' | 'same' | number | ExplicitPadding;

/**
 * The span [start, start + size) of one spatial axis that a convolution reads, in the axis's
 * own coordinates: `begin`/`size` is the part inside the tensor, `before`/`after` the zero
 * padding outside it. Padding is never negative; rows the convolution never reads are cropped.
 */
export interface AxisWindow {
  begin: number;
  size: number;
  before: number;
  after: number;
}

export function axisWindow(start: number, size: number, available: number): AxisWindow {
  const lo = Math.min(Math.max(0, start), available);
  const hi = Math.max(Math.min(available, start + size), lo);
  return { begin: lo, size: hi - lo, before: lo - start, after: start + size - hi };
}

export function isEmptyWindow(rows: AxisWindow, cols: AxisWindow): boolean {
  return rows.size <= 0 || cols.size <= 0;
}

/** Slices an NHWC tensor to the windows' in-tensor part (no copy when nothing is cropped). */
export function cropSpatial(x: tf.Tensor4D, rows: AxisWindow, cols: AxisWindow): tf.Tensor4D {
  const [, height, width] = x.shape;
  if (rows.begin === 0 && rows.size === height && cols.begin === 0 && cols.size === width) {
    return x;
  }
  return tf.slice(x, [0, rows.begin, cols.begin, 0], [-1, rows.size, cols.size, -1]);
}

export function windowPadding(rows: AxisWindow, cols: AxisWindow): ExplicitPadding {
  return [
    [0, 0],
    [rows.before, rows.after],
    [cols.before, cols.after],
    [0, 0],
  ];
}

/**
 * Checks dy and the filter against the convolution tfjs would run. XNNPACK does not check
 * shapes, and a mismatch there reads out of bounds and corrupts the wasm heap.
 */
export function assertConvShapes(
  op: string,
  dyShape: number[],
  info: tf.backend_util.Conv2DInfo,
): void {
  const [n, oh, ow, co] = dyShape;
  const dyMatches =
    n === info.batchSize &&
    oh === info.outHeight &&
    ow === info.outWidth &&
    co === info.outChannels;
  if (!dyMatches) {
    throw new Error(`${op}: dy shape [${dyShape}] is not the conv output shape [${info.outShape}]`);
  }
  if (info.filterShape[2] !== info.inChannels) {
    const got = info.filterShape[2];
    throw new Error(`${op}: filter input depth ${got} is not the input's ${info.inChannels}`);
  }
}

/** Extent of the input one output axis reads: (out − 1)·stride + (kernel − 1)·dilation + 1. */
export function inputSpan(out: number, stride: number, kernel: number, dilation: number): number {
  return (out - 1) * stride + (kernel - 1) * dilation + 1;
}

/**
 * Runs the backend's Conv2D kernel (NHWC). It goes through `runKernel` rather than `tf.conv2d`
 * because the op refuses strides > 1 together with dilations > 1, which the kernels (XNNPACK on
 * wasm, the cpu loop) compute correctly.
 */
export function runConv2D(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: [number, number],
  dilations: [number, number],
  pad: ExplicitPadding,
): tf.Tensor4D {
  const attrs: tf.NamedAttrMap = { strides, dilations, pad, dataFormat: 'NHWC' };
  return tf.engine().runKernel<tf.Tensor4D>(tf.Conv2D, { x, filter }, attrs);
}

/** Moves an explicit NCHW padding to NHWC order; string and number paddings are layout-free. */
export function padToNHWC(pad: PadAttr, dataFormat: 'NHWC' | 'NCHW'): PadAttr {
  if (dataFormat !== 'NCHW' || typeof pad !== 'object') return pad;
  return [pad[0], pad[2], pad[3], pad[1]];
}

export function toNHWC(t: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(t, [0, 2, 3, 1]);
}

export function toNCHW(t: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(t, [0, 3, 1, 2]);
}

/** Kernel inputs are normally Tensors already; wrap a bare TensorInfo (inside a tidy). */
export function asTensor4D(info: tf.TensorInfo): tf.Tensor4D {
  if (info instanceof tf.Tensor) return info as tf.Tensor4D;
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor4D;
}

export type { ExplicitPadding, PadAttr };
