import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * A float32 tensor's values without the copy dataSync makes: on wasm a view of the heap, valid
 * until the next allocation (copy it out at once); elsewhere dataSync's array.
 */
export function float32Values(tensor: tf.Tensor): Float32Array {
  if (tensor.dtype !== 'float32') throw new Error(`expected float32, got ${tensor.dtype}`);
  const backend = tf.backend();
  if (tf.getBackend() === 'wasm')
    return (backend as BackendWasm).typedArrayFromHeap(tensor) as Float32Array;
  return tensor.dataSync() as Float32Array;
}
