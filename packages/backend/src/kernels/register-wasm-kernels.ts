import * as tf from '@tensorflow/tfjs-core';
// wasm registers its kernels on import; import it first so it cannot overwrite ours later.
import '@tensorflow/tfjs-backend-wasm';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
import { makeIdentityConfig } from './identity.js';
import { makeBatchMatMulConfig, makeFusedMatMulConfig } from './mat-mul.js';
import { makeAvgPoolGradConfig, makeMaxPoolGradConfig } from './pool-gradients.js';
import { makeSumConfig } from './sum.js';

const BACKEND = 'wasm';
/** Kernels that stand on their own. */
const CONFIGS: readonly tf.KernelConfig[] = [conv2DBackpropFilterConfig, conv2DBackpropInputConfig];
/** Kernels built around wasm's own, which they call for the cases they leave to it. */
const WRAPPERS: ReadonlyMap<string, (original: tf.KernelConfig) => tf.KernelConfig> = new Map([
  [tf.BatchMatMul, makeBatchMatMulConfig],
  [tf._FusedMatMul, makeFusedMatMulConfig],
  [tf.MaxPoolGrad, makeMaxPoolGradConfig],
  [tf.AvgPoolGrad, makeAvgPoolGradConfig],
  [tf.Sum, makeSumConfig],
  [tf.Identity, makeIdentityConfig],
]);

/** Kernels ours replaced, restored on unregister. */
const displaced = new Map<string, tf.KernelConfig>();
/** The wrappers registered now, by kernel name. */
const wrapped = new Map<string, tf.KernelConfig>();

function registered(kernelName: string): tf.KernelConfig | undefined {
  // getKernel is typed non-null but returns undefined for an unknown kernel.
  return tf.getKernel(kernelName, BACKEND) as tf.KernelConfig | undefined;
}

function install(config: tf.KernelConfig, current: tf.KernelConfig | undefined): void {
  if (current !== undefined) {
    displaced.set(config.kernelName, current);
    tf.unregisterKernel(config.kernelName, BACKEND);
  }
  tf.registerKernel(config);
}

/**
 * Gives the wasm backend the kernels it needs to train conv nets fast and exactly: a
 * Conv2DBackpropFilter (it has none) and a faster Conv2DBackpropInput, both built on its XNNPACK
 * Conv2D; BatchMatMul and _FusedMatMul that transpose explicitly rather than run wasm's naive
 * loop; MaxPoolGrad and AvgPoolGrad that visit each window once (and route max-pool ties as
 * tfjs does); a Sum that adds bias gradients up without a transpose; and an Identity that shares
 * its input's buffer instead of copying it. Idempotent; works before or after the wasm backend is
 * initialised.
 */
export function registerWasmTrainingKernels(): void {
  for (const config of CONFIGS) {
    const current = registered(config.kernelName);
    if (current !== config) install(config, current);
  }
  for (const [kernelName, wrap] of WRAPPERS) {
    const current = registered(kernelName);
    if (current === undefined || current === wrapped.get(kernelName)) continue;
    const config = wrap(current);
    install(config, current);
    wrapped.set(kernelName, config);
  }
}

/** Removes Convoy's kernels and puts back whatever wasm had registered before. */
export function unregisterWasmTrainingKernels(): void {
  const ours = [...CONFIGS, ...wrapped.values()];
  wrapped.clear();
  for (const config of ours) {
    if (registered(config.kernelName) !== config) continue;
    tf.unregisterKernel(config.kernelName, BACKEND);
    const original = displaced.get(config.kernelName);
    if (original === undefined) continue;
    displaced.delete(config.kernelName);
    tf.registerKernel(original);
    setUp(original);
  }
}

/** A restored kernel may never have been set up if the backend initialised while ours was in. */
function setUp(config: tf.KernelConfig): void {
  const backend = tf.engine().registry[BACKEND];
  if (backend !== undefined) config.setupFunc?.(backend);
}
