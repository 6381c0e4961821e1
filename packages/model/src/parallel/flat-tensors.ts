import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Tensors laid end to end in one Float32Array: how weights and gradients cross threads. */

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

/** Where each tensor starts when they are laid end to end, and the total length. */
export function flatLayout(tensors: readonly { size: number }[]): {
  offsets: number[];
  total: number;
} {
  const offsets: number[] = [];
  let total = 0;
  for (const { size } of tensors) {
    offsets.push(total);
    total += size;
  }
  return { offsets, total };
}

/** Copies each tensor's values into `flat` at its offset. */
export function copyToFlat(
  tensors: readonly tf.Tensor[],
  flat: Float32Array,
  offsets: readonly number[],
): void {
  tensors.forEach((tensor, index) => flat.set(float32Values(tensor), offsets[index] ?? 0));
}

/** Gives each variable the values at its offset in `flat`. */
export function assignFromFlat(
  variables: readonly tf.Variable[],
  flat: Float32Array,
  offsets: readonly number[],
): void {
  variables.forEach((variable, index) => {
    const offset = offsets[index] ?? 0;
    const values = tf.tensor(flat.subarray(offset, offset + variable.size), variable.shape);
    variable.assign(values);
    values.dispose();
  });
}
