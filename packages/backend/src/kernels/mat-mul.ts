import * as tf from '@tensorflow/tfjs-core';
import { asTensor, overriding } from './wasm-override.js';

/**
 * How a transposed product A·B (A and B taken as given by the transpose flags, [M, K] and [K, N])
 * runs on wasm:
 * - `original`: wasm's own kernel as asked;
 * - `operands`: transpose the flagged operands explicitly, then multiply without flags;
 * - `product`: compute Cᵀ = op(B)ᵀ · op(A)ᵀ without flags (transposing only the operands that were
 *   not flagged) and transpose that.
 *
 * wasm multiplies with XNNPACK only when neither operand is transposed and there is no batch;
 * otherwise it runs a naive loop at ≈1 ns per multiply-add (≈10 ms for the seed's 32×3136×100
 * dense gradients). XNNPACK's own work is small, but each call packs its right operand ("weights",
 * ≈3–4 ns an element) and a wasm Transpose costs ≈1 ns an element (up to ≈8 for power-of-two
 * squares). `COPY_*` model those costs in units of one naive multiply-add.
 */
export type MatMulPlan = 'original' | 'operands' | 'product';

/** Packing one element of XNNPACK's right operand, in naive multiply-adds. */
const COPY_PACKED = 3;
/** Fixed cost of the extra kernels (transposes, XNNPACK operator set-up), in multiply-adds. */
const COPY_FIXED = 16_384;

export interface MatMulDims {
  /** Product of the leading (batch) dimensions of a and of b. */
  batchA: number;
  batchB: number;
  m: number;
  k: number;
  n: number;
}

export function matMulDims(
  aShape: readonly number[],
  bShape: readonly number[],
  transposeA: boolean,
  transposeB: boolean,
): MatMulDims {
  const rankA = aShape.length;
  const rankB = bShape.length;
  if (rankA < 2 || rankB < 2) throw new Error('matMul: operands must have rank 2 or more');
  const dim = (shape: readonly number[], i: number) => shape[i] ?? 0;
  const size = (shape: readonly number[]) => shape.slice(0, -2).reduce((p, d) => p * d, 1);
  const m = transposeA ? dim(aShape, rankA - 1) : dim(aShape, rankA - 2);
  const k = transposeA ? dim(aShape, rankA - 2) : dim(aShape, rankA - 1);
  const kB = transposeB ? dim(bShape, rankB - 1) : dim(bShape, rankB - 2);
  const n = transposeB ? dim(bShape, rankB - 2) : dim(bShape, rankB - 1);
  if (k !== kB) {
    throw new Error(
      `matMul: inner dimensions ${k} and ${kB} of [${aShape}] and [${bShape}] differ`,
    );
  }
  return { batchA: size(aShape), batchB: size(bShape), m, k, n };
}

/** Estimated costs (in naive multiply-adds) of the two explicit strategies. */
export function explicitCosts(
  { m, k, n }: MatMulDims,
  transposeA: boolean,
  transposeB: boolean,
): { operands: number; product: number } {
  const operands = (transposeA ? m * k : 0) + (transposeB ? k * n : 0) + COPY_PACKED * k * n;
  const product = (transposeA ? 0 : m * k) + (transposeB ? 0 : k * n) + m * n + COPY_PACKED * k * m;
  return { operands: operands + COPY_FIXED, product: product + COPY_FIXED };
}

/**
 * The rule: with no batch, take the cheaper explicit strategy when it costs less than the naive
 * loop's M·K·N; with a batch, wasm's loop runs whatever we do, so keep it.
 */
export function planMatMul(
  dims: MatMulDims,
  transposeA: boolean,
  transposeB: boolean,
  allowed: { original: boolean; product: boolean } = { original: true, product: true },
): MatMulPlan {
  if (!transposeA && !transposeB) return 'original';
  if (dims.batchA !== 1 || dims.batchB !== 1) return 'original';
  const costs = explicitCosts(dims, transposeA, transposeB);
  const useProduct = allowed.product && costs.product < costs.operands;
  const explicit: MatMulPlan = useProduct ? 'product' : 'operands';
  if (!allowed.original) return explicit;
  const cost = useProduct ? costs.product : costs.operands;
  return cost < dims.m * dims.k * dims.n ? explicit : 'original';
}

/** Swaps the last two axes. */
function transposeInner(t: tf.Tensor): tf.Tensor {
  const perm = [...Array(t.rank).keys()];
  perm.splice(-2, 2, t.rank - 1, t.rank - 2);
  return tf.transpose(t, perm);
}

/** Output shape of A·B: the broadcast batch dimensions, then [M, N]. */
function productShape(a: tf.TensorInfo, b: tf.TensorInfo, m: number, n: number): number[] {
  const batch = tf.broadcast_util.assertAndGetBroadcastShape(
    a.shape.slice(0, -2),
    b.shape.slice(0, -2),
  );
  return [...batch, m, n];
}

type Multiply = (a: tf.Tensor, b: tf.Tensor) => tf.TensorInfo;

/**
 * Runs `multiply` (the original kernel with both flags off) by the plan; the caller has checked
 * that the plan is not `original` and that there is no batch.
 */
function runExplicit(
  plan: Exclude<MatMulPlan, 'original'>,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  { m, n }: MatMulDims,
  multiply: Multiply,
): tf.Tensor {
  return tf.tidy(() => {
    const at = asTensor(a);
    const bt = asTensor(b);
    const shape = productShape(a, b, m, n);
    if (plan === 'operands') {
      const left = transposeA ? transposeInner(at) : at;
      const right = transposeB ? transposeInner(bt) : bt;
      return tf.reshape(asTensor(multiply(left, right)), shape);
    }
    const left = transposeB ? bt : transposeInner(bt);
    const right = transposeA ? at : transposeInner(at);
    return tf.reshape(transposeInner(asTensor(multiply(left, right))), shape);
  });
}

/** `BatchMatMul` for wasm: explicit transposes when they are cheaper than wasm's naive loop. */
export function makeBatchMatMulConfig(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { a, b } = args.inputs as tf.BatchMatMulInputs;
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    if (a === undefined || b === undefined) throw new Error('BatchMatMul: missing a or b');
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return original.kernelFunc(args);
    const dims = matMulDims(a.shape, b.shape, transposeA, transposeB);
    const plan = planMatMul(dims, transposeA, transposeB);
    if (plan === 'original') return original.kernelFunc(args);
    const multiply: Multiply = (left, right) =>
      original.kernelFunc({
        ...args,
        inputs: { a: left, b: right },
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      }) as tf.TensorInfo;
    return runExplicit(plan, a, b, transposeA, transposeB, dims, multiply);
  };
  return { ...overriding(original), kernelFunc };
}

function applyActivation(
  x: tf.Tensor,
  activation: tf.fused.Activation,
  preluWeights: tf.Tensor | undefined,
  leakyreluAlpha: number | undefined,
): tf.Tensor {
  switch (activation) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'relu6':
      return tf.relu6(x);
    case 'elu':
      return tf.elu(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'leakyrelu':
      return tf.leakyRelu(x, leakyreluAlpha ?? 0.2);
    case 'prelu':
      if (preluWeights === undefined) throw new Error('_FusedMatMul: prelu needs its weights');
      return tf.prelu(x, preluWeights);
    default:
      throw new Error(`_FusedMatMul: unknown activation ${String(activation)}`);
  }
}

/**
 * `_FusedMatMul` for wasm. wasm's own kernel is right only on its XNNPACK path (no transposes, no
 * batch): its loop for the other cases mishandles a bias (it adds bias[min(i·N + j, N − 1)], once
 * per 48-wide block of K) and applies the activation to each block's partial sum. So transposed
 * products without a batch go to XNNPACK through explicit transposes (the `product` strategy only
 * without a bias, whose broadcast it would change); the loop is kept only where it is exact (no
 * bias, linear); and batched products with a bias or an activation, or a bias that is not rank 1
 * (which wasm rejects), run as matMul + bias + activation, as tfjs's cpu kernel does.
 */
export function makeFusedMatMulConfig(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as tf._FusedMatMulInputs;
    const attrs = args.attrs as unknown as tf._FusedMatMulAttrs;
    const { transposeA, transposeB, activation, leakyreluAlpha } = attrs;
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return original.kernelFunc(args);
    const dims = matMulDims(a.shape, b.shape, transposeA, transposeB);
    const batched = dims.batchA !== 1 || dims.batchB !== 1;
    const plain = bias == null && activation === 'linear';
    if ((batched && !plain) || (bias != null && bias.shape.length !== 1)) {
      return tf.tidy(() => {
        const product = tf.matMul(asTensor(a), asTensor(b), transposeA, transposeB);
        const biased = bias == null ? product : tf.add(product, asTensor(bias));
        const prelu = preluActivationWeights == null ? undefined : asTensor(preluActivationWeights);
        return applyActivation(biased, activation, prelu, leakyreluAlpha);
      });
    }
    const plan = batched
      ? 'original'
      : planMatMul(dims, transposeA, transposeB, {
          original: plain,
          product: bias == null && activation !== 'prelu',
        });
    if (plan === 'original') return original.kernelFunc(args);
    const multiply: Multiply = (left, right) =>
      original.kernelFunc({
        ...args,
        inputs: { ...args.inputs, a: left, b: right },
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      }) as tf.TensorInfo;
    return runExplicit(plan, a, b, transposeA, transposeB, dims, multiply);
  };
  return { ...overriding(original), kernelFunc };
}
