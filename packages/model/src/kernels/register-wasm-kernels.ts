import * as tf from '@tensorflow/tfjs-core';
// wasm registers its kernels on import; import it first so it cannot overwrite ours later.
import '@tensorflow/tfjs-backend-wasm';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';

const BACKEND = 'wasm';
const CONFIGS: readonly tf.KernelConfig[] = [conv2DBackpropFilterConfig, conv2DBackpropInputConfig];

/** Kernels ours replaced (wasm's own slow Conv2DBackpropInput), restored on unregister. */
const displaced = new Map<string, tf.KernelConfig>();

function registered(kernelName: string): tf.KernelConfig | undefined {
  // getKernel is typed non-null but returns undefined for an unknown kernel.
  return tf.getKernel(kernelName, BACKEND) as tf.KernelConfig | undefined;
}

/**
 * Gives the wasm backend the kernels it needs to train conv nets: a Conv2DBackpropFilter (it has
 * none) and a faster Conv2DBackpropInput, both built on its XNNPACK Conv2D. Idempotent; works
 * before or after the wasm backend is initialised.
 */
export function registerWasmTrainingKernels(): void {
  for (const config of CONFIGS) {
    const current = registered(config.kernelName);
    if (current === config) continue;
    if (current !== undefined) {
      displaced.set(config.kernelName, current);
      tf.unregisterKernel(config.kernelName, BACKEND);
    }
    tf.registerKernel(config);
  }
}

/** Removes Convoy's kernels and puts back whatever wasm had registered before. */
export function unregisterWasmTrainingKernels(): void {
  for (const config of CONFIGS) {
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
