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
import { explicitCosts, matMulDims, planMatMul } from './mat-mul.js';

const TOLERANCE = 1e-4;

/** Shapes and values of every result, within TOLERANCE. */
const expectWasmMatchesCpu = (f: () => tf.Tensor[]) =>
  expectWasmResultsMatchCpu(f, { tolerance: TOLERANCE, shape: true });

/** Operand shapes of an M×K by K×N product with the given flags and batch. */
function operands(
  [m, k, n]: [number, number, number],
  transposeA: boolean,
  transposeB: boolean,
  batch: number[] = [],
): { a: number[]; b: number[] } {
  return {
    a: [...batch, ...(transposeA ? [k, m] : [m, k])],
    b: [...batch, ...(transposeB ? [n, k] : [k, n])],
  };
}

const FLAGS = [
  { transposeA: true, transposeB: false },
  { transposeA: false, transposeB: true },
  { transposeA: true, transposeB: true },
  { transposeA: false, transposeB: false },
];

/** [M, K, N]: the seed's dense layers (batch 32 and 128), tiny, odd and lopsided products. */
const SIZES: { name: string; mkn: [number, number, number] }[] = [
  { name: 'dense 3136→100 weight gradient', mkn: [3136, 32, 100] },
  { name: 'dense 3136→100 input gradient', mkn: [32, 100, 3136] },
  { name: 'dense 100→10, batch 32', mkn: [32, 100, 10] },
  { name: 'batch 128', mkn: [128, 100, 313] },
  { name: 'odd 7×5×3', mkn: [7, 5, 3] },
  { name: 'one row', mkn: [1, 257, 129] },
  { name: 'one column', mkn: [129, 257, 1] },
  { name: 'long K (first-layer patches)', mkn: [9, 2051, 32] },
];

useWasmTrainingKernels();

describe('planMatMul', () => {
  const plan = (mkn: [number, number, number], transposeA: boolean, transposeB: boolean) => {
    const { a, b } = operands(mkn, transposeA, transposeB, [1]);
    return planMatMul(matMulDims(a, b, transposeA, transposeB), transposeA, transposeB);
  };

  it('transposes the seed dense layer’s gradients explicitly, each the cheaper way', () => {
    // dW = xᵀ·dy: transposing x (100k elements) beats transposing dW (313k).
    expect(plan([3136, 32, 100], true, false)).toBe('operands');
    // dx = dy·Wᵀ: (W·dyᵀ)ᵀ transposes 3k + 100k elements instead of packing a transposed W.
    expect(plan([32, 100, 3136], false, true)).toBe('product');
    expect(plan([32, 3136, 100], true, true)).toBe('product');
    // the first conv layer's patches: dyᵀ·patches packs the 9 patch columns, not dy.
    expect(plan([9, 25088, 32], true, false)).toBe('product');
  });

  it('keeps wasm’s loop when there is nothing to transpose, a batch, or too little work', () => {
    expect(plan([32, 3136, 100], false, false)).toBe('original');
    const { a, b } = operands([64, 64, 64], true, false, [4]);
    expect(planMatMul(matMulDims(a, b, true, false), true, false)).toBe('original');
    expect(plan([8, 8, 8], true, true)).toBe('original');
    // one row against a 512×512 matrix: packing it costs more than the 262k multiply-adds.
    expect(plan([1, 512, 512], true, false)).toBe('original');
  });

  it('respects what the caller allows', () => {
    const dims = matMulDims([1, 100, 32], [1, 100, 3136], true, false);
    expect(planMatMul(dims, true, false, { original: true, product: false })).toBe('operands');
    const tiny = matMulDims([8, 8], [8, 8], true, false);
    expect(planMatMul(tiny, true, false, { original: false, product: true })).not.toBe('original');
  });

  it('estimates costs from the shapes', () => {
    const dims = matMulDims([32, 3136], [32, 100], true, false);
    expect(dims).toEqual({ batchA: 1, batchB: 1, m: 3136, k: 32, n: 100 });
    const costs = explicitCosts(dims, true, false);
    expect(costs.operands).toBeLessThan(costs.product);
    expect(() => matMulDims([3, 4], [5, 6], false, false)).toThrow(/inner dimensions/);
  });
});

describe('BatchMatMul on wasm matches cpu', () => {
  for (const { name, mkn } of SIZES) {
    it.each(FLAGS)(`${name}, transposeA $transposeA, transposeB $transposeB`, async (flags) => {
      const { a, b } = operands(mkn, flags.transposeA, flags.transposeB);
      await expectWasmMatchesCpu(() => [
        tf.matMul(tensor(a, 1), tensor(b, 2), flags.transposeA, flags.transposeB),
        // rank 3 with a batch of 1, as tf.matMul hands it to the kernel anyway
        tf.matMul(tensor([1, ...a], 3), tensor([1, ...b], 4), flags.transposeA, flags.transposeB),
      ]);
    });
  }

  it.each(FLAGS)('batched [3, …] operands, $transposeA, $transposeB', async (flags) => {
    const { a, b } = operands([17, 60, 23], flags.transposeA, flags.transposeB, [3]);
    await expectWasmMatchesCpu(() => [
      tf.matMul(tensor(a, 1), tensor(b, 2), flags.transposeA, flags.transposeB),
    ]);
  });

  it('runs the explicit transposes for the seed shapes (XNNPACK path)', async () => {
    await tf.setBackend('wasm');
    const a = tensor([32, 100], 1);
    const b = tensor([3136, 100], 2);
    const profile = await tf.profile(() => tf.dispose(tf.matMul(a, b, false, true)));
    expect(profile.kernels.map((k) => k.name)).toContain('Transpose');
    tf.dispose([a, b]);
  });
});

const ACTIVATIONS: tf.fused.Activation[] = [
  'linear',
  'relu',
  'relu6',
  'elu',
  'sigmoid',
  'leakyrelu',
  'prelu',
];

function fused(
  a: tf.Tensor,
  b: tf.Tensor,
  flags: { transposeA: boolean; transposeB: boolean },
  activation: tf.fused.Activation,
  bias: tf.Tensor | undefined,
  n: number,
): tf.Tensor {
  return tf.fused.matMul({
    a,
    b,
    ...flags,
    ...(bias ? { bias } : {}),
    activation,
    ...(activation === 'prelu' ? { preluActivationWeights: tensor([n], 7) } : {}),
    ...(activation === 'leakyrelu' ? { leakyreluAlpha: 0.3 } : {}),
  });
}

describe('_FusedMatMul on wasm matches cpu', () => {
  // wasm's own loop gets these wrong (bias read as bias[min(i·N + j, N − 1)], K > 48 clamped
  // per block); Convoy's kernel routes them to XNNPACK or to matMul + bias + activation.
  const shapes: [number, number, number][] = [
    [32, 100, 10],
    [13, 61, 7],
    [32, 3136, 100],
  ];
  for (const mkn of shapes) {
    it.each(FLAGS)(
      `[${mkn}] with bias and every activation, $transposeA, $transposeB`,
      async (f) => {
        const { a, b } = operands(mkn, f.transposeA, f.transposeB, [1]);
        await expectWasmMatchesCpu(() =>
          ACTIVATIONS.flatMap((activation) => [
            fused(tensor(a, 1), tensor(b, 2), f, activation, tensor([mkn[2]], 3), mkn[2]),
            fused(tensor(a, 1), tensor(b, 2), f, activation, undefined, mkn[2]),
          ]),
        );
      },
    );
  }

  it.each(FLAGS)('batched [2, …] with bias and relu, $transposeA, $transposeB', async (f) => {
    const { a, b } = operands([9, 50, 11], f.transposeA, f.transposeB, [2]);
    await expectWasmMatchesCpu(() =>
      ['linear', 'relu', 'leakyrelu'].flatMap((activation) => [
        fused(
          tensor(a, 1),
          tensor(b, 2),
          f,
          activation as tf.fused.Activation,
          tensor([11], 3),
          11,
        ),
        fused(tensor(a, 1), tensor(b, 2), f, activation as tf.fused.Activation, undefined, 11),
      ]),
    );
  });

  it('a bias of rank 2 (wasm’s own kernel rejects it)', async () => {
    await expectWasmMatchesCpu(() => [
      fused(tensor([1, 6, 5], 1), tensor([1, 5, 4], 2), FLAGS[3]!, 'relu', tensor([6, 4], 3), 4),
    ]);
  });
});

describe('gradients through tf.grads on wasm match cpu', () => {
  it.each(FLAGS)('tf.matMul, $transposeA, $transposeB', async (f) => {
    for (const mkn of [
      [32, 3136, 100],
      [7, 5, 3],
    ] as [number, number, number][]) {
      const { a, b } = operands(mkn, f.transposeA, f.transposeB);
      await expectWasmMatchesCpu(() => {
        const loss = (x: tf.Tensor, y: tf.Tensor) => {
          const c = tf.matMul(x, y, f.transposeA, f.transposeB);
          return tf.sum(tf.mul(c, tf.sin(tf.reshape(tf.range(0, c.size), c.shape))));
        };
        return tf.grads(loss)([tensor(a, 1), tensor(b, 2)]);
      });
    }
  });

  it.each(FLAGS)(
    'tf.fused.matMul with bias, linear and relu, $transposeA, $transposeB',
    async (f) => {
      const mkn: [number, number, number] = [32, 3136, 100];
      const { a, b } = operands(mkn, f.transposeA, f.transposeB);
      for (const activation of ['linear', 'relu'] as const) {
        await expectWasmMatchesCpu(() => {
          const loss = (x: tf.Tensor, y: tf.Tensor, bias: tf.Tensor) => {
            const c = tf.fused.matMul({ a: x, b: y, ...f, bias, activation });
            return tf.sum(tf.mul(c, tf.cos(tf.reshape(tf.range(0, c.size), c.shape))));
          };
          return tf.grads(loss)([tensor(a, 1), tensor(b, 2), tensor([100], 3)]);
        });
      }
    },
  );
});

describe('memory', () => {
  it('leaves no tensors, bytes or backend buffers behind', async () => {
    await tf.setBackend('wasm');
    const inputs = [tensor([32, 100], 1), tensor([3136, 100], 2), tensor([32, 3136], 3)];
    const [dy, w, x] = inputs as [tf.Tensor, tf.Tensor, tf.Tensor];
    const bias = tensor([100], 4);
    const step = () =>
      tf.tidy(() => [
        tf.sum(tf.matMul(dy, w, false, true)),
        tf.sum(tf.matMul(x, dy, true, false)),
        tf.sum(tf.matMul(w, x, true, true)),
        tf.sum(tf.matMul(tensor([1, 7, 5], 5), tensor([1, 3, 5], 6), false, true)),
        tf.sum(tf.fused.matMul({ a: x, b: w, bias, activation: 'relu' })),
        tf.sum(tf.fused.matMul({ a: dy, b: w, transposeB: true, activation: 'elu' })),
        tf.sum(
          tf.fused.matMul({
            a: tf.reshape(x, [2, 16, 3136]),
            b: tf.reshape(dy, [2, 16, 100]),
            transposeA: true,
            bias,
            activation: 'relu',
          }),
        ),
      ]);
    expectNoLeaks(step, 30);
    tf.dispose([...inputs, bias]);
  });
});
