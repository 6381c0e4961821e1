import { endianness } from 'node:os';
import {
  InvalidValueError,
  TENSOR_FILE_EXTENSION,
  type TensorRole,
  type VisualizationLayer,
  type VisualizationTensor,
} from '@convoy/schemas';

const LITTLE_ENDIAN_HOST = endianness() === 'LE';
const BYTES = Float32Array.BYTES_PER_ELEMENT;

/** A tensor file's bytes: raw little-endian float32, row-major, no header (the manifest holds the shape). */
export function encodeTensorFile(values: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST)
    return new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
  const bytes = new Uint8Array(values.length * BYTES);
  const view = new DataView(bytes.buffer);
  values.forEach((value, index) => view.setFloat32(index * BYTES, value, true));
  return bytes;
}

/**
 * The values of a tensor file. With `shape`, checks that the file holds exactly that many values.
 * Accepts bytes at any offset (a Buffer from readFile may not be 4-byte aligned).
 */
export function decodeTensorFile(bytes: Uint8Array, shape?: readonly number[]): Float32Array {
  if (bytes.byteLength % BYTES !== 0)
    throw new InvalidValueError(
      `a float32 tensor file has a multiple of 4 bytes, not ${bytes.byteLength}`,
    );
  const length = bytes.byteLength / BYTES;
  if (shape) {
    const expected = shape.reduce((product, size) => product * size, 1);
    if (expected !== length)
      throw new InvalidValueError(
        `tensor file holds ${length} values, shape [${shape.join(', ')}] needs ${expected}`,
      );
  }
  // Uint8Array's slice copies; a Buffer's would share its pool, whose ArrayBuffer is not ours.
  if (LITTLE_ENDIAN_HOST) return new Float32Array(Uint8Array.prototype.slice.call(bytes).buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length }, (_, index) => view.getFloat32(index * BYTES, true));
}

export interface TensorStats {
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  /** Population standard deviation (ddof = 0, as numpy's `std()`). */
  readonly std: number;
}

/** min, max, mean and std, accumulated in float64; throws on an empty array or a NaN/infinite value. */
export function tensorStats(values: Float32Array, what = 'tensor'): TensorStats {
  if (values.length === 0) throw new InvalidValueError(`${what} is empty`);
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const value of values) {
    if (!Number.isFinite(value)) throw new InvalidValueError(`${what} holds ${value}`);
    if (value < min) min = value;
    if (value > max) max = value;
    sum += value;
  }
  const mean = sum / values.length;
  let squares = 0;
  for (const value of values) squares += (value - mean) ** 2;
  // Rounding can put a mean of equal values a hair outside them.
  return {
    min,
    max,
    mean: Math.min(max, Math.max(min, mean)),
    std: Math.sqrt(squares / values.length),
  };
}

/** Tensors of one visualization: the manifest entries and the values, keyed by file name. */
export class TensorCollector {
  readonly entries: VisualizationTensor[] = [];
  readonly values = new Map<string, Float32Array>();

  add(
    name: string,
    role: TensorRole,
    fileStem: string,
    shape: readonly number[],
    values: Float32Array,
    layer?: VisualizationLayer,
  ): void {
    const file = `${fileStem}${TENSOR_FILE_EXTENSION}`;
    const size = shape.reduce((product, dimension) => product * dimension, 1);
    if (size !== values.length)
      throw new InvalidValueError(
        `${name}: shape [${shape.join(', ')}] does not hold ${values.length} values`,
      );
    if (this.values.has(file)) throw new Error(`two tensors in one file: ${file}`);
    this.entries.push({
      name,
      role,
      file,
      shape: [...shape],
      dtype: 'float32',
      ...(layer ? { layer } : {}),
      ...tensorStats(values, name),
    });
    this.values.set(file, values);
  }
}
