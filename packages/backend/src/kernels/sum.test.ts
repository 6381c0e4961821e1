import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs-core's Node bundle registers no gradients; tfjs-layers' bundle does.
import '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import {
  expectNoLeaks,
  expectWasmResultsMatchCpu,
  tensor,
  useWasmTrainingKernels,
} from './kernel-testing.test-helper.js';
import { reducesLeadingAxes, sumRowsInto } from './sum.js';

const TOLERANCE = 1e-6;

/** cpu sums in float64; so do we, so the two agree far below the usual 1e-4. */
const expectWasmMatchesCpu = (f: () => tf.Tensor[], tolerance = TOLERANCE) =>
  expectWasmResultsMatchCpu(f, { tolerance, shape: true, dtype: true });

useWasmTrainingKernels();

describe('reducesLeadingAxes', () => {
  it('accepts every axis but the last, in any order or sign', () => {
    expect(reducesLeadingAxes([0, 1, 2], 4)).toBe(true);
    expect(reducesLeadingAxes([2, -4, 1], 4)).toBe(true);
    expect(reducesLeadingAxes(0, 2)).toBe(true);
    expect(reducesLeadingAxes([1, 2, 3], 4)).toBe(false);
    expect(reducesLeadingAxes([0, 1, 2, 3], 4)).toBe(false);
    expect(reducesLeadingAxes([0, 1], 4)).toBe(false);
    expect(reducesLeadingAxes(0, 1)).toBe(false);
  });

  it('sums columns, odd row counts included', () => {
    const out = new Float32Array(2);
    sumRowsInto(new Float32Array([1, 2, 3, 4, 5, 6]), 3, 2, out);
    expect(Array.from(out)).toEqual([9, 12]);
  });
});

describe('Sum on wasm matches cpu', () => {
  const cases: { name: string; shape: number[]; axis: number | number[] }[] = [
    { name: 'seed conv 1 bias gradient', shape: [32, 28, 28, 32], axis: [0, 1, 2] },
    { name: 'seed conv 2 bias gradient', shape: [32, 14, 14, 64], axis: [0, 1, 2] },
    { name: 'dense bias gradient', shape: [32, 100], axis: 0 },
    { name: 'odd rows and columns', shape: [3, 7, 5, 9], axis: [2, 0, 1] },
    { name: 'one row', shape: [1, 1, 13], axis: [0, 1] },
    { name: 'negative axes', shape: [5, 4, 3], axis: [-3, -2] },
  ];

  it.each(cases)('$name', async ({ shape, axis }) => {
    await expectWasmMatchesCpu(() => [
      tf.sum(tensor(shape, 1), axis),
      tf.sum(tensor(shape, 2), axis, true),
    ]);
  });

  it('large values that cancel (float64 accumulation)', async () => {
    await expectWasmMatchesCpu(() => {
      const big = tf.mul(tensor([4096, 3], 3), 1e6);
      return [tf.sum(tf.concat([big, tf.neg(big), tensor([1, 3], 4)]), 0)];
    });
  });

  it('other reductions and dtypes go to wasm’s own kernel', async () => {
    await expectWasmMatchesCpu(
      () => [
        tf.sum(tensor([4, 5, 6], 1), [1, 2]),
        tf.sum(tensor([4, 5, 6], 1)),
        tf.sum(tensor([4, 5, 6], 1), -1, true),
        tf.sum(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32'), 0),
        tf.sum(tf.tensor2d([true, false, true, true], [2, 2], 'bool'), 0),
        tf.sum(tf.zeros([0, 3]), 0),
      ],
      1e-4,
    );
  });

  it('tf.grads of a bias add (the sum a bias gradient is)', async () => {
    await expectWasmMatchesCpu(() => {
      const loss = (x: tf.Tensor, b: tf.Tensor) => {
        const y = tf.relu(tf.add(x, b));
        return tf.sum(tf.mul(y, tf.sin(tf.reshape(tf.range(0, y.size), y.shape))));
      };
      return tf.grads(loss)([tensor([8, 14, 14, 64], 1), tensor([64], 2)]);
    }, 1e-4);
  });
});

describe('memory', () => {
  it('leaves no tensors, bytes or backend buffers behind', async () => {
    await tf.setBackend('wasm');
    const x = tensor([4, 9, 7, 3], 1);
    const step = () =>
      tf.tidy(() => [tf.sum(x, [0, 1, 2]), tf.sum(x, [0, 1, 2], true), tf.sum(x, 1)]);
    expectNoLeaks(step, 50);
    tf.dispose(x);
  });
});
