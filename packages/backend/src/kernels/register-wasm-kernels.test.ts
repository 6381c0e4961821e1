import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs-core's Node bundle registers no gradients; tfjs-layers' bundle does.
import '@tensorflow/tfjs-layers';
import { describe, expect, it, vi } from 'vitest';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
import type { Shape4D } from './kernel-testing.test-helper.js';
import {
  expectNoLeaks,
  expectWasmResultsMatchCpu,
  tensor4d,
  useWasmTrainingKernels,
  values,
} from './kernel-testing.test-helper.js';
import {
  registerWasmTrainingKernels,
  unregisterWasmTrainingKernels,
} from './register-wasm-kernels.js';

const TOLERANCE = 1e-4;

function kernel(name: string): tf.KernelConfig | undefined {
  return tf.getKernel(name, 'wasm') as tf.KernelConfig | undefined;
}

/** Values (and how many) of every result, within TOLERANCE. */
const expectWasmMatchesCpu = (f: () => tf.Tensor[]) =>
  expectWasmResultsMatchCpu(f, { tolerance: TOLERANCE, length: true });

const wasmOwnBackpropInput = kernel(tf.Conv2DBackpropInput);
/** Kernels Convoy wraps: wasm's own, captured before anything is registered. */
const WRAPPED = [
  tf.BatchMatMul,
  tf._FusedMatMul,
  tf.MaxPoolGrad,
  tf.AvgPoolGrad,
  tf.Sum,
  tf.Identity,
];
const wasmOwn = new Map(WRAPPED.map((name) => [name, kernel(name)]));

useWasmTrainingKernels();

describe('registerWasmTrainingKernels', () => {
  it('installs every kernel, idempotently and without warnings', () => {
    const warn = vi.spyOn(console, 'warn');
    const wrappers = WRAPPED.map(kernel);
    registerWasmTrainingKernels();
    registerWasmTrainingKernels();
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    expect(kernel(tf.Conv2DBackpropFilter)).toBe(conv2DBackpropFilterConfig);
    expect(kernel(tf.Conv2DBackpropInput)).toBe(conv2DBackpropInputConfig);
    WRAPPED.forEach((name, i) => {
      expect(wasmOwn.get(name)).toBeDefined();
      expect(kernel(name)).not.toBe(wasmOwn.get(name));
      // the same wrapper as before: registering again wraps nothing twice
      expect(kernel(name)).toBe(wrappers[i]);
      // wasm binds its C++ function in setupFunc; the wrapper keeps it for the cases it delegates
      expect(kernel(name)?.setupFunc === undefined).toBe(
        wasmOwn.get(name)?.setupFunc === undefined,
      );
    });
  });

  it('unregister restores wasm’s own kernels for everything Convoy wraps', async () => {
    unregisterWasmTrainingKernels();
    try {
      WRAPPED.forEach((name) => expect(kernel(name)).toBe(wasmOwn.get(name)));
      await expectWasmMatchesCpu(() => [
        tf.matMul(tensor4d([1, 1, 5, 3], 1), tensor4d([1, 1, 5, 4], 2), true),
      ]);
    } finally {
      registerWasmTrainingKernels();
    }
    WRAPPED.forEach((name) => expect(kernel(name)).not.toBe(wasmOwn.get(name)));
    // wrapped afresh, around wasm's own kernels again (not around a previous wrapper)
    await expectWasmMatchesCpu(() => [
      tf.matMul(tensor4d([1, 1, 40, 30], 1), tensor4d([1, 1, 40, 20], 2), true),
    ]);
  });

  it('unregister restores wasm’s own Conv2DBackpropInput, which still works', async () => {
    expect(wasmOwnBackpropInput).toBeDefined();
    unregisterWasmTrainingKernels();
    try {
      expect(kernel(tf.Conv2DBackpropFilter)).toBeUndefined();
      expect(kernel(tf.Conv2DBackpropInput)).toBe(wasmOwnBackpropInput);
      await expectWasmMatchesCpu(() => [
        tf.conv2dTranspose(
          tensor4d([2, 4, 5, 3], 1),
          tensor4d([3, 3, 2, 3], 2),
          [2, 7, 9, 2],
          2,
          'same',
        ),
      ]);
    } finally {
      registerWasmTrainingKernels();
    }
    expect(kernel(tf.Conv2DBackpropInput)).toBe(conv2DBackpropInputConfig);
  });
});

describe('training gradients on wasm match cpu', () => {
  const cases = [
    {
      name: '3x3 same, conv strategy',
      x: [4, 10, 10, 3] as Shape4D,
      w: [3, 3, 3, 8] as Shape4D,
      s: 1,
      pad: 'same' as const,
    },
    {
      name: '3x3 stride 2 valid',
      x: [3, 11, 9, 4] as Shape4D,
      w: [3, 3, 4, 5] as Shape4D,
      s: 2,
      pad: 'valid' as const,
    },
    {
      name: 'first-layer 3x3 1→16 same, patch strategy',
      x: [4, 12, 12, 1] as Shape4D,
      w: [3, 3, 1, 16] as Shape4D,
      s: 1,
      pad: 'same' as const,
    },
  ];

  it.each(cases)('tf.grads of tf.conv2d ($name)', async (c) => {
    await expectWasmMatchesCpu(() => {
      const x = tensor4d(c.x, 1);
      const w = tensor4d(c.w, 2);
      const loss = (xs: tf.Tensor, ws: tf.Tensor) => {
        const y = tf.conv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, c.s, c.pad);
        return tf.sum(tf.mul(y, tf.sin(tf.reshape(tf.range(0, y.size), y.shape))));
      };
      return tf.grads(loss)([x, w]);
    });
  });

  it.each(cases)('tf.grads of tf.fused.conv2d with bias and relu ($name)', async (c) => {
    await expectWasmMatchesCpu(() => {
      const x = tensor4d(c.x, 3);
      const w = tensor4d(c.w, 4);
      const bias = tf.tensor1d(values(c.w[3], 5));
      const loss = (xs: tf.Tensor, ws: tf.Tensor, b: tf.Tensor) => {
        const y = tf.fused.conv2d({
          x: xs as tf.Tensor4D,
          filter: ws as tf.Tensor4D,
          strides: c.s,
          pad: c.pad,
          bias: b,
          activation: 'relu',
        });
        return tf.sum(tf.mul(y, tf.cos(tf.reshape(tf.range(0, y.size), y.shape))));
      };
      return tf.grads(loss)([x, w, bias]);
    });
  });
});

describe('memory', () => {
  it('leaves no tensors, bytes or backend buffers behind', async () => {
    await tf.setBackend('wasm');
    // 7x9 'same' stride 2 with a 2x3 kernel makes the input gradient crop dy; 10x10 'valid'
    // stride 2 leaves an x row unread, so the filter gradient crops x (by either strategy).
    const configs = [
      { x: tensor4d([4, 7, 9, 3], 1), w: tensor4d([2, 3, 3, 6], 2), pad: 'same' as const },
      { x: tensor4d([4, 10, 10, 3], 3), w: tensor4d([3, 3, 3, 6], 4), pad: 'valid' as const },
      { x: tensor4d([4, 10, 10, 1], 5), w: tensor4d([3, 3, 1, 16], 6), pad: 'valid' as const },
    ];
    const step = () =>
      tf.tidy(() =>
        configs.flatMap(({ x, w, pad }) => {
          const loss = (xs: tf.Tensor, ws: tf.Tensor) =>
            tf.sum(tf.square(tf.conv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, 2, pad)));
          return tf
            .grads(loss)([x, w])
            .map((g) => tf.sum(g));
        }),
      );
    expectNoLeaks(step, 50);
    tf.dispose(configs.flatMap(({ x, w }) => [x, w]));
  });
});

describe('registered before the wasm backend starts', () => {
  it('the wrappers set up wasm’s own kernels, which they delegate to', async () => {
    const factory = tf.findBackendFactory('wasm');
    expect(factory).toBeDefined();
    if (!factory) return;
    unregisterWasmTrainingKernels();
    // A fresh wasm backend, started while Convoy's kernels are registered.
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', factory, 2);
    registerWasmTrainingKernels();
    expect(kernel(tf.BatchMatMul)).not.toBe(wasmOwn.get(tf.BatchMatMul));
    await tf.setBackend('wasm');
    await expectWasmMatchesCpu(() => [
      // no transposes: wasm's own BatchMatMul, through the wrapper
      tf.matMul(tensor4d([1, 1, 6, 5], 1), tensor4d([1, 1, 5, 4], 2)),
      tf.matMul(tensor4d([1, 1, 40, 30], 1), tensor4d([1, 1, 40, 20], 2), true),
      tf.fused.matMul({
        a: tf.reshape(tensor4d([1, 1, 6, 5], 3), [1, 6, 5]),
        b: tf.reshape(tensor4d([1, 1, 5, 4], 4), [1, 5, 4]),
        bias: tf.ones([4]),
        activation: 'relu',
      }),
      tf.grad((x: tf.Tensor) => tf.sum(tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid')))(
        tensor4d([2, 4, 4, 3], 5),
      ),
    ]);
  });
});
