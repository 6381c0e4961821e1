import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs-core's Node bundle registers no gradients; tfjs-layers' bundle does.
import '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import {
  backendBuffers as buffers,
  expectNoLeaks,
  useWasmTrainingKernels,
} from './kernel-testing.test-helper.js';

useWasmTrainingKernels();

describe('Identity on wasm', () => {
  it('clones share the buffer, which lives until the last of them is disposed', async () => {
    await tf.setBackend('wasm');
    const before = buffers();
    const x = tf.tensor2d([1, -2, 3.5, 4], [2, 2]);
    const copy = tf.clone(x);
    expect(buffers()).toBe(before + 1);
    expect(copy.shape).toEqual([2, 2]);
    expect(copy.dtype).toBe('float32');
    x.dispose();
    expect(Array.from(await copy.data())).toEqual([1, -2, 3.5, 4]);
    copy.dispose();
    expect(buffers()).toBe(before);
  });

  it('a clone keeps its values when a variable it came from is assigned', async () => {
    await tf.setBackend('wasm');
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const copy = tf.clone(v);
    v.assign(tf.tensor1d([7, 8, 9]));
    expect(Array.from(await copy.data())).toEqual([1, 2, 3]);
    expect(Array.from(await v.data())).toEqual([7, 8, 9]);
    tf.dispose([v, copy]);
  });

  it('int32, bool and string tensors', async () => {
    await tf.setBackend('wasm');
    const tensors = [
      tf.tensor1d([1, 2, 3], 'int32'),
      tf.tensor1d([true, false], 'bool'),
      tf.tensor1d(['a', 'bc']),
    ];
    const clones = tensors.map((t) => tf.clone(t));
    tf.dispose(tensors);
    expect(clones.map((c) => c.dtype)).toEqual(['int32', 'bool', 'string']);
    expect(await Promise.all(clones.map((c) => c.array()))).toEqual([
      [1, 2, 3],
      [1, 0],
      ['a', 'bc'],
    ]);
    tf.dispose(clones);
  });

  it('gradients that keep tensors for the backward pass match cpu', async () => {
    const f = () => {
      const x = tf.tensor4d(
        Array.from({ length: 2 * 6 * 6 * 3 }, (_, i) => Math.sin(i * 1.7)),
        [2, 6, 6, 3],
      );
      const loss = (v: tf.Tensor) =>
        tf.sum(tf.square(tf.maxPool(tf.relu(tf.mul(v, v)) as tf.Tensor4D, 2, 2, 'valid')));
      return tf.grad(loss)(x);
    };
    await tf.setBackend('cpu');
    const expected = Array.from(tf.tidy(f).dataSync());
    await tf.setBackend('wasm');
    const actual = Array.from(tf.tidy(f).dataSync());
    actual.forEach((a, i) => expect(a).toBeCloseTo(expected[i] ?? NaN, 5));
  });

  it('leaves no tensors, bytes or backend buffers behind', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([4, 8, 8, 3]);
    const step = () =>
      tf.tidy(() => {
        const loss = (v: tf.Tensor) => tf.sum(tf.relu(tf.clone(tf.mul(v, tf.clone(v)))));
        return [tf.grad(loss)(x), tf.clone(x)];
      });
    expectNoLeaks(step, 50);
    x.dispose();
  });
});
