import { describe, expect, it } from 'vitest';
import { decodeTensorFile, encodeTensorFile } from './tensor-file.js';

describe('tensor files', () => {
  it('reads raw little-endian float32 at any byte offset', () => {
    const values = [0, -1.5, 3.25, Math.fround(1e30), -0.125];
    const bytes = Buffer.alloc(values.length * 4 + 1);
    values.forEach((value, index) => bytes.writeFloatLE(value, 1 + index * 4));
    const shifted = bytes.subarray(1); // byteOffset 1: not a multiple of 4
    expect(Array.from(decodeTensorFile(shifted, [5]))).toEqual(values);
    expect(Array.from(decodeTensorFile(shifted, [5, 1]))).toEqual(values);
  });

  it('round-trips what it encodes', () => {
    const values = Float32Array.of(1, -2, 0.5);
    expect(Array.from(decodeTensorFile(encodeTensorFile(values), [3]))).toEqual([1, -2, 0.5]);
  });

  it('refuses a file whose size does not match the shape', () => {
    expect(() => decodeTensorFile(Buffer.alloc(16), [5])).toThrow(/holds 4 values.*needs 5/);
    expect(() => decodeTensorFile(Buffer.alloc(17))).toThrow(/multiple of 4 bytes/);
  });
});
