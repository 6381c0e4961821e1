import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs-core's Node bundle registers no gradients; tfjs-layers' bundle does.
import '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import type { Pad, Shape4D } from './kernel-testing.test-helper.js';
import {
  expectNoLeaks,
  expectWasmResultsMatchCpu,
  sizeOf,
  useWasmTrainingKernels,
  values,
} from './kernel-testing.test-helper.js';

const TOLERANCE = 1e-4;

/** Inputs with many ties: values in {−1, 0, 1, 2}, half of them ReLU-like zeros. */
function tiedValues(size: number, seed: number): Float32Array {
  return values(size, seed).map((v) => {
    const r = Math.round(v * 2.5);
    return r < -1 ? 0 : r;
  });
}

/** Values (and how many) of every result: bit-for-bit if `exact`, else within TOLERANCE. */
const expectWasmMatchesCpu = (f: () => tf.Tensor[], exact = false) =>
  expectWasmResultsMatchCpu(f, { tolerance: TOLERANCE, length: true, exact });

interface PoolCase {
  name: string;
  x: Shape4D;
  filter: number | [number, number];
  strides: number | [number, number];
  pad: Pad;
  rounding?: 'floor' | 'round' | 'ceil';
}

const CASES: PoolCase[] = [
  {
    name: 'seed pool 1 (2×2 stride 2 on 28×28×32)',
    x: [32, 28, 28, 32],
    filter: 2,
    strides: 2,
    pad: 'valid',
  },
  {
    name: 'seed pool 2 (2×2 stride 2 on 14×14×64)',
    x: [32, 14, 14, 64],
    filter: 2,
    strides: 2,
    pad: 'valid',
  },
  {
    name: 'cnn-avgpool (3×3 stride 3 on 28×28×32)',
    x: [32, 28, 28, 32],
    filter: 3,
    strides: 3,
    pad: 'valid',
  },
  { name: 'odd 7×9, 2×2 stride 2 valid', x: [3, 7, 9, 5], filter: 2, strides: 2, pad: 'valid' },
  { name: 'odd 7×9, 2×2 stride 2 same', x: [3, 7, 9, 5], filter: 2, strides: 2, pad: 'same' },
  { name: '3×3 stride 2 same (overlapping)', x: [2, 9, 7, 4], filter: 3, strides: 2, pad: 'same' },
  {
    name: '2×2 stride 1 valid (overlapping)',
    x: [2, 6, 5, 3],
    filter: 2,
    strides: 1,
    pad: 'valid',
  },
  {
    name: '3×2 window, strides (1, 3)',
    x: [2, 8, 11, 3],
    filter: [3, 2],
    strides: [1, 3],
    pad: 'same',
  },
  {
    name: 'window larger than the stride 2, same, 1 channel',
    x: [1, 5, 5, 1],
    filter: 4,
    strides: 2,
    pad: 'same',
  },
  {
    name: 'numeric padding 1 with ceil rounding',
    x: [2, 8, 8, 2],
    filter: 3,
    strides: 2,
    pad: 1,
    rounding: 'ceil',
  },
  { name: 'stride 3 leaves rows unread', x: [2, 10, 11, 3], filter: 2, strides: 3, pad: 'valid' },
  {
    name: 'explicit padding, 2×3 window stride 2, 16 channels',
    x: [2, 7, 8, 16],
    filter: [2, 3],
    strides: 2,
    pad: [
      [0, 0],
      [1, 0],
      [0, 2],
      [0, 0],
    ],
  },
];

/** Windows that overlap add several dy into one dx (cpu sums them in double, we in float32). */
function overlaps(c: PoolCase): boolean {
  const [fh, fw] = typeof c.filter === 'number' ? [c.filter, c.filter] : c.filter;
  const [sh, sw] = typeof c.strides === 'number' ? [c.strides, c.strides] : c.strides;
  return sh < fh || sw < fw;
}

function outShape(c: PoolCase): number[] {
  const info = tf.backend_util.computePool2DInfo(c.x, c.filter, c.strides, 1, c.pad, c.rounding);
  return info.outShape;
}

function maxPoolGrad(c: PoolCase, x: tf.Tensor4D, dy: tf.Tensor): tf.Tensor {
  const y = tf.maxPool(x, c.filter, c.strides, c.pad, c.rounding);
  const attrs = {
    filterSize: c.filter,
    strides: c.strides,
    pad: c.pad,
    dimRoundingMode: c.rounding,
  };
  return tf
    .engine()
    .runKernel(tf.MaxPoolGrad, { dy, input: x, output: y }, attrs as unknown as tf.NamedAttrMap);
}

function avgPoolGrad(c: PoolCase, x: tf.Tensor4D, dy: tf.Tensor): tf.Tensor {
  const attrs = { filterSize: c.filter, strides: c.strides, pad: c.pad };
  return tf
    .engine()
    .runKernel(tf.AvgPoolGrad, { dy, input: x }, attrs as unknown as tf.NamedAttrMap);
}

useWasmTrainingKernels();

describe('MaxPoolGrad on wasm matches cpu', () => {
  it.each(CASES)('$name', async (c) => {
    const dyShape = outShape(c);
    await expectWasmMatchesCpu(
      () => [
        maxPoolGrad(
          c,
          tf.tensor4d(values(sizeOf(c.x), 1), c.x),
          tf.tensor(values(sizeOf(dyShape), 2), dyShape),
        ),
        maxPoolGrad(
          c,
          tf.tensor4d(tiedValues(sizeOf(c.x), 3), c.x),
          tf.tensor(values(sizeOf(dyShape), 4), dyShape),
        ),
      ],
      !overlaps(c),
    );
  });

  it('routes ties to the first maximum in scan order, as cpu does', async () => {
    // One 4×4 image, 2×2 windows: [1 3 | 3 2], [0 −0 | 0 0], [−1 −2 | −2 −1], [5 5 | 5 5].
    const x = tf.tensor4d([1, 3, 3, 2, 0, -0, 0, 0, -1, -2, -2, -1, 5, 5, 5, 5], [1, 4, 4, 1]);
    const c: PoolCase = { name: 'ties', x: [1, 4, 4, 1], filter: 2, strides: 2, pad: 'valid' };
    const dy = tf.tensor4d([10, 20, 30, 40], [1, 2, 2, 1]);
    await tf.setBackend('wasm');
    const dx = tf.tidy(() => maxPoolGrad(c, x, dy));
    // Window (0,0) = [1 3; 0 −0] → the 3; (0,1) = [3 2; 0 0] → the 3; (1,0) = [−1 −2; 5 5] → the
    // first 5; (1,1) = [−2 −1; 5 5] → the first 5.
    expect(Array.from(await dx.data())).toEqual([
      0, 10, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 30, 0, 40, 0,
    ]);
    tf.dispose(dx);
    await expectWasmMatchesCpu(() => [maxPoolGrad(c, x, dy)], true);
    tf.dispose([x, dy]);
  });

  it('constant windows, −0 against +0, −∞ and NaN follow cpu', async () => {
    const c: PoolCase = { name: 'specials', x: [1, 4, 6, 1], filter: 2, strides: 2, pad: 'valid' };
    const inf = Infinity;
    const x = [
      [7, 7, -0, 0, -inf, -inf],
      [7, 7, 0, -0, -inf, -inf],
      [NaN, NaN, NaN, 1, -inf, -2],
      [NaN, NaN, 2, NaN, -3, -inf],
    ].flat();
    await expectWasmMatchesCpu(
      () => [maxPoolGrad(c, tf.tensor4d(x, c.x), tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 2, 3, 1]))],
      true,
    );
  });
});

describe('AvgPoolGrad on wasm matches cpu', () => {
  it.each(CASES.filter((c) => c.rounding === undefined))('$name', async (c) => {
    const dyShape = outShape(c);
    await expectWasmMatchesCpu(() => [
      avgPoolGrad(
        c,
        tf.tensor4d(values(sizeOf(c.x), 1), c.x),
        tf.tensor(values(sizeOf(dyShape), 2), dyShape),
      ),
    ]);
  });
});

describe('gradients through tf.grads on wasm match cpu', () => {
  const seeds = CASES.filter((c) => c.rounding === undefined);

  it.each(seeds)('tf.maxPool ($name)', async (c) => {
    await expectWasmMatchesCpu(() => {
      const loss = (x: tf.Tensor) => {
        const y = tf.maxPool(x as tf.Tensor4D, c.filter, c.strides, c.pad);
        return tf.sum(tf.mul(y, tf.sin(tf.reshape(tf.range(0, y.size), y.shape))));
      };
      // relu makes the zero ties of a conv net's activations
      return [tf.grad(loss)(tf.relu(tf.tensor4d(values(sizeOf(c.x), 5), c.x)))];
    });
  });

  it.each(seeds)('tf.avgPool ($name)', async (c) => {
    await expectWasmMatchesCpu(() => {
      const loss = (x: tf.Tensor) => {
        const y = tf.avgPool(x as tf.Tensor4D, c.filter, c.strides, c.pad);
        return tf.sum(tf.mul(y, tf.cos(tf.reshape(tf.range(0, y.size), y.shape))));
      };
      return [tf.grad(loss)(tf.tensor4d(values(sizeOf(c.x), 6), c.x))];
    });
  });
});

describe('shape checks', () => {
  it('rejects a dy that is not the pool output shape', async () => {
    await tf.setBackend('wasm');
    const c = CASES[3] as PoolCase;
    const x = tf.zeros<tf.Rank.R4>(c.x);
    const dy = tf.zeros([3, 4, 4, 5]);
    expect(() => maxPoolGrad(c, x, dy)).toThrow(/dy shape/);
    expect(() => avgPoolGrad(c, x, dy)).toThrow(/dy shape/);
    tf.dispose([x, dy]);
  });
});

describe('memory', () => {
  it('leaves no tensors, bytes or backend buffers behind', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(values(4 * 9 * 7 * 3, 1), [4, 9, 7, 3]);
    const step = () =>
      tf.tidy(() =>
        (['valid', 'same'] as const).flatMap((pad) => [
          tf.sum(
            tf.grad((v: tf.Tensor) => tf.sum(tf.square(tf.maxPool(v as tf.Tensor4D, 2, 2, pad))))(
              x,
            ),
          ),
          tf.sum(
            tf.grad((v: tf.Tensor) => tf.sum(tf.square(tf.avgPool(v as tf.Tensor4D, 3, 2, pad))))(
              x,
            ),
          ),
        ]),
      );
    expectNoLeaks(step, 50);
    tf.dispose(x);
  });
});
