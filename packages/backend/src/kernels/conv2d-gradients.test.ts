import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import {
  conv2dFilterGradient,
  filterGradientByConv,
  filterGradientByPatches,
  planFilterGradient,
} from './conv2d-backprop-filter.js';
import { conv2dInputGradient, flipFilter } from './conv2d-backprop-input.js';
import type { Pad, Result, Shape4D } from './kernel-testing.test-helper.js';
import {
  relativeError as unsizedRelativeError,
  runOnBackend,
  sizeOf,
  useWasmTrainingKernels,
} from './kernel-testing.test-helper.js';

type Rounding = 'floor' | 'round' | 'ceil';

interface ConvCase {
  name: string;
  x: Shape4D;
  w: Shape4D;
  strides: number | [number, number];
  pad: Pad;
  rounding?: Rounding;
}

const TOLERANCE = 1e-4;

/** Cases tfjs's own kernels accept (dilation 1), checked against the cpu backend's kernels. */
const CASES: ConvCase[] = [
  {
    name: 'seed conv 1 (3x3 1→32 same)',
    x: [8, 28, 28, 1],
    w: [3, 3, 1, 32],
    strides: 1,
    pad: 'same',
  },
  {
    name: 'seed conv 2 (3x3 32→64 same)',
    x: [8, 14, 14, 32],
    w: [3, 3, 32, 64],
    strides: 1,
    pad: 'same',
  },
  { name: 'stride 2 valid', x: [4, 9, 9, 3], w: [3, 3, 3, 5], strides: 2, pad: 'valid' },
  {
    name: 'stride 2 same, odd 7x9 input, 3x2 kernel',
    x: [3, 7, 9, 2],
    w: [3, 2, 2, 4],
    strides: 2,
    pad: 'same',
  },
  { name: 'stride (2,1) same', x: [2, 8, 7, 3], w: [3, 3, 3, 4], strides: [2, 1], pad: 'same' },
  {
    name: 'stride 3 valid with unread rows',
    x: [2, 10, 11, 2],
    w: [2, 2, 2, 3],
    strides: 3,
    pad: 'valid',
  },
  { name: '5x5 kernel same', x: [2, 12, 12, 3], w: [5, 5, 3, 4], strides: 1, pad: 'same' },
  { name: '1x1 kernel', x: [2, 6, 6, 5], w: [1, 1, 5, 3], strides: 1, pad: 'valid' },
  { name: '1x1 kernel stride 2', x: [2, 7, 7, 3], w: [1, 1, 3, 2], strides: 2, pad: 'valid' },
  {
    name: 'explicit array padding',
    x: [2, 8, 9, 3],
    w: [3, 3, 3, 4],
    strides: 1,
    pad: [
      [0, 0],
      [1, 2],
      [0, 3],
      [0, 0],
    ],
  },
  {
    name: 'explicit padding larger than the kernel, stride 3',
    x: [2, 10, 10, 2],
    w: [3, 3, 2, 3],
    strides: 3,
    pad: [
      [0, 0],
      [4, 0],
      [2, 5],
      [0, 0],
    ],
  },
  { name: 'number padding', x: [2, 9, 8, 2], w: [3, 3, 2, 3], strides: 1, pad: 2 },
  {
    name: "number padding, stride 2, 'ceil' rounding reads past the padding",
    x: [2, 8, 8, 2],
    w: [3, 3, 2, 3],
    strides: 2,
    pad: 1,
    rounding: 'ceil',
  },
  {
    name: "'floor' rounding",
    x: [2, 8, 9, 2],
    w: [3, 3, 2, 3],
    strides: 2,
    pad: 1,
    rounding: 'floor',
  },
];

function caseNamed(name: string): ConvCase {
  const found = CASES.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no case ${name}`);
  return found;
}

const NCHW_CASES = [caseNamed('stride (2,1) same'), caseNamed('explicit array padding')];

function toNCHW(t: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(t, [0, 3, 1, 2]);
}

function padToNCHW(pad: Pad): Pad {
  return typeof pad === 'object' ? [pad[0], pad[3], pad[1], pad[2]] : pad;
}

/** Deterministic values in [-1, 1) (mulberry32), so failures reproduce. */
function randomValues(size: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    values[i] = ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  }
  return values;
}

/** The shared relative error, after expecting as many values as expected. */
function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  return unsizedRelativeError(actual, expected);
}

/** Runs `f` on a backend and returns its one result's values (and shape), disposing everything. */
async function on(backend: string, f: () => tf.Tensor): Promise<Result> {
  const [result] = await runOnBackend(backend, () => [f()]);
  if (result === undefined) throw new Error('no result');
  return result;
}

/** Compares `f` (and any `alternatives`) run on wasm with `f` run on cpu. */
async function expectWasmMatchesCpu(
  f: () => tf.Tensor,
  ...alternatives: (() => tf.Tensor)[]
): Promise<void> {
  const expected = await on('cpu', f);
  for (const g of [f, ...alternatives]) {
    const actual = await on('wasm', g);
    expect(actual.shape).toEqual(expected.shape);
    expect(relativeError(actual.values, expected.values)).toBeLessThanOrEqual(TOLERANCE);
  }
}

function outShape(c: ConvCase, dilations: number | [number, number] = 1): Shape4D {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.w, c.strides, dilations, c.pad, c.rounding);
  return info.outShape as Shape4D;
}

function filterKernel(
  c: ConvCase,
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  dataFormat = 'NHWC',
): tf.Tensor {
  const attrs = {
    strides: c.strides,
    pad: c.pad,
    dataFormat,
    dimRoundingMode: c.rounding,
    filterShape: c.w,
  };
  return tf
    .engine()
    .runKernel(tf.Conv2DBackpropFilter, { x, dy }, attrs as unknown as tf.NamedAttrMap);
}

function inputKernel(
  c: ConvCase,
  dy: tf.Tensor4D,
  w: tf.Tensor4D,
  inputShape = c.x,
  dataFormat = 'NHWC',
): tf.Tensor {
  const attrs = {
    strides: c.strides,
    pad: c.pad,
    dataFormat,
    dimRoundingMode: c.rounding,
    inputShape,
  };
  return tf
    .engine()
    .runKernel(tf.Conv2DBackpropInput, { dy, filter: w }, attrs as unknown as tf.NamedAttrMap);
}

function tensors(c: ConvCase, dilations: number | [number, number] = 1) {
  const dyShape = outShape(c, dilations);
  return {
    x: () => tf.tensor4d(randomValues(sizeOf(c.x), 1), c.x),
    w: () => tf.tensor4d(randomValues(sizeOf(c.w), 2), c.w),
    dy: () => tf.tensor4d(randomValues(sizeOf(dyShape), 3), dyShape),
  };
}

/** Direct loops over the definition, for dilated cases tfjs's kernels do not cover. */
function naiveGradients(c: ConvCase, dilations: [number, number]) {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.w, c.strides, dilations, c.pad, c.rounding);
  const [n, h, w, ci] = c.x;
  const [kh, kw, , co] = c.w;
  const x = randomValues(sizeOf(c.x), 1);
  const filter = randomValues(sizeOf(c.w), 2);
  const dy = randomValues(sizeOf(info.outShape), 3);
  const dW = new Float64Array(sizeOf(c.w));
  const dx = new Float64Array(sizeOf(c.x));
  for (let b = 0; b < n; b++)
    for (let oh = 0; oh < info.outHeight; oh++)
      for (let ow = 0; ow < info.outWidth; ow++)
        for (let i = 0; i < kh; i++)
          for (let j = 0; j < kw; j++) {
            const r = oh * info.strideHeight + i * info.dilationHeight - info.padInfo.top;
            const q = ow * info.strideWidth + j * info.dilationWidth - info.padInfo.left;
            if (r < 0 || r >= h || q < 0 || q >= w) continue;
            for (let a = 0; a < ci; a++)
              for (let o = 0; o < co; o++) {
                const g = dy[((b * info.outHeight + oh) * info.outWidth + ow) * co + o] ?? NaN;
                const xi = ((b * h + r) * w + q) * ci + a;
                const wi = ((i * kw + j) * ci + a) * co + o;
                dW[wi] = (dW[wi] ?? NaN) + (x[xi] ?? NaN) * g;
                dx[xi] = (dx[xi] ?? NaN) + (filter[wi] ?? NaN) * g;
              }
          }
  return { dW, dx };
}

useWasmTrainingKernels();

describe('Conv2DBackpropFilter on wasm matches cpu', () => {
  // The kernel picks one strategy per shape; both are checked on every case.
  it.each(CASES)('$name', async (c) => {
    const t = tensors(c);
    const plan = planFilterGradient(c.x, c.w, c.strides, c.pad, 1, c.rounding);
    await expectWasmMatchesCpu(
      () => filterKernel(c, t.x(), t.dy()),
      () => filterGradientByConv(t.x(), t.dy(), plan),
      () => filterGradientByPatches(t.x(), t.dy(), plan),
    );
  });

  it.each(NCHW_CASES)('NCHW data format: $name', async (c) => {
    const t = tensors(c);
    const attrs = { ...c, pad: padToNCHW(c.pad) };
    await expectWasmMatchesCpu(() => filterKernel(attrs, toNCHW(t.x()), toNCHW(t.dy()), 'NCHW'));
  });
});

describe('Conv2DBackpropInput on wasm matches cpu', () => {
  it.each(CASES)('$name', async (c) => {
    const t = tensors(c);
    await expectWasmMatchesCpu(() => inputKernel(c, t.dy(), t.w()));
  });

  it.each(NCHW_CASES)('NCHW data format: $name', async (c) => {
    const t = tensors(c);
    const attrs = { ...c, pad: padToNCHW(c.pad) };
    const [n, h, w, ch] = c.x;
    await expectWasmMatchesCpu(() =>
      inputKernel(attrs, toNCHW(t.dy()), t.w(), [n, ch, h, w], 'NCHW'),
    );
  });

  it('conv2dTranspose (its forward pass is Conv2DBackpropInput)', async () => {
    const t = tensors(caseNamed('stride 2 same, odd 7x9 input, 3x2 kernel'));
    await expectWasmMatchesCpu(() => tf.conv2dTranspose(t.dy(), t.w(), [3, 7, 9, 2], 2, 'same'));
  });
});

describe('dilated gradients (plain functions) match a direct loop', () => {
  type DilatedCase = ConvCase & { dilations: [number, number] };
  const dilated: DilatedCase[] = [
    {
      name: 'dilation 2 same',
      x: [2, 9, 10, 3],
      w: [3, 3, 3, 4],
      strides: 1,
      pad: 'same',
      dilations: [2, 2],
    },
    {
      name: 'dilation (2,3) valid',
      x: [2, 11, 12, 2],
      w: [3, 2, 2, 3],
      strides: 1,
      pad: 'valid',
      dilations: [2, 3],
    },
    {
      name: 'stride 2 + dilation 2 same',
      x: [2, 11, 9, 3],
      w: [3, 3, 3, 4],
      strides: 2,
      pad: 'same',
      dilations: [2, 2],
    },
    {
      name: 'stride (2,3) + dilation 2, explicit padding',
      x: [2, 12, 13, 2],
      w: [2, 3, 2, 3],
      strides: [2, 3],
      pad: [
        [0, 0],
        [1, 0],
        [2, 3],
        [0, 0],
      ],
      dilations: [2, 2],
    },
  ];

  it.each(dilated)('$name', async (c) => {
    const { dilations } = c;
    const expected = naiveGradients(c, dilations);
    const t = tensors(c, dilations);
    const plan = planFilterGradient(c.x, c.w, c.strides, c.pad, dilations, c.rounding);
    // The plain functions are backend-agnostic; wasm is the one that matters.
    for (const backend of ['wasm', 'cpu']) {
      for (const strategy of [filterGradientByConv, filterGradientByPatches]) {
        const dW = await on(backend, () => strategy(t.x(), t.dy(), plan));
        expect(relativeError(dW.values, expected.dW)).toBeLessThanOrEqual(TOLERANCE);
      }
      const dW = await on(backend, () =>
        conv2dFilterGradient(t.x(), t.dy(), c.w, c.strides, c.pad, dilations, c.rounding),
      );
      expect(relativeError(dW.values, expected.dW)).toBeLessThanOrEqual(TOLERANCE);
      const dx = await on(backend, () =>
        conv2dInputGradient(c.x, t.dy(), t.w(), c.strides, c.pad, dilations, c.rounding),
      );
      expect(relativeError(dx.values, expected.dx)).toBeLessThanOrEqual(TOLERANCE);
    }
  });
});

describe('shape checks', () => {
  // XNNPACK trusts shapes; a mismatch would read out of bounds and corrupt the wasm heap.
  it('rejects a dy that is not the conv output shape', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros<tf.Rank.R4>([2, 8, 8, 3]);
    const w = tf.zeros<tf.Rank.R4>([3, 3, 3, 4]);
    const dy = tf.zeros<tf.Rank.R4>([2, 7, 8, 4]);
    expect(() => conv2dFilterGradient(x, dy, [3, 3, 3, 4], 1, 'same')).toThrow(/dy shape/);
    expect(() => conv2dInputGradient([2, 8, 8, 3], dy, w, 1, 'same')).toThrow(/dy shape/);
    expect(() => conv2dInputGradient([2, 8, 8, 2], tf.zeros([2, 8, 8, 4]), w, 1, 'same')).toThrow(
      /filter input depth/,
    );
    tf.dispose([x, w, dy]);
  });
});

describe('flipFilter', () => {
  it.each([
    [3, 3, 64, 32],
    [2, 5, 3, 1],
    [1, 1, 4, 7],
  ] as Shape4D[])('transposes in/out and reverses the taps of a %j filter', async (...shape) => {
    await tf.setBackend('wasm');
    const filter = tf.randomNormal<tf.Rank.R4>(shape, 0, 1, 'float32', 9);
    const flipped = flipFilter(filter);
    const expected = tf.reverse(tf.transpose(filter, [0, 1, 3, 2]), [0, 1]);
    expect(flipped.shape).toEqual(expected.shape);
    expect(Array.from(flipped.dataSync())).toEqual(Array.from(expected.dataSync()));
    tf.dispose([filter, flipped, expected]);
  });
});
