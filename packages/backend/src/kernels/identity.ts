import type * as tf from '@tensorflow/tfjs-core';
import { overriding } from './wasm-override.js';

/**
 * `Identity` for wasm without the copy. tfjs clones every tensor a gradient will need (the engine
 * keeps its own reference on the tape), and wasm's Identity copies the buffer each time: 50 copies
 * and ≈19 MB a step for the seed model at batch 32 (≈1.5 ms), ≈71 MB at batch 128. tfjs tensors
 * are immutable and buffers reference-counted, so the clone can share the input's buffer, as
 * tfjs's cpu Identity and wasm's own Reshape do. Strings go to wasm's own kernel.
 */
export function makeIdentityConfig(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { x } = args.inputs as tf.IdentityInputs;
    if (x === undefined) throw new Error('Identity: missing x');
    if (x.dtype === 'string') return original.kernelFunc(args);
    (args.backend as tf.KernelBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  return { ...overriding(original), kernelFunc };
}
