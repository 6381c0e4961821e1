import * as tf from '@tensorflow/tfjs-core';

/**
 * The name, backend and set-up of a kernel ours replaces: wasm binds its C++ function in
 * `setupFunc`, which tfjs calls for whatever kernel is registered when the backend starts, so an
 * override that may call the original has to carry it.
 */
export function overriding(original: tf.KernelConfig): Omit<tf.KernelConfig, 'kernelFunc'> {
  const { kernelName, backendName, setupFunc } = original;
  return setupFunc ? { kernelName, backendName, setupFunc } : { kernelName, backendName };
}

/** Kernel inputs are normally Tensors already; wrap a bare TensorInfo (inside a tidy). */
export function asTensor(info: tf.TensorInfo): tf.Tensor {
  if (info instanceof tf.Tensor) return info;
  return tf.engine().makeTensorFromTensorInfo(info);
}
