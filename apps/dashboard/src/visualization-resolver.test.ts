import { describe, expect, it } from 'vitest';
import { decodeFloat32 } from './visualization-resolver.js';

describe('decodeFloat32', () => {
  it('reads raw little-endian float32 at any byte offset', () => {
    const values = [0, -1.5, 3.25, Math.fround(1e30), -0.125];
    const bytes = Buffer.alloc(values.length * 4 + 1);
    values.forEach((value, index) => bytes.writeFloatLE(value, 1 + index * 4));
    const shifted = bytes.subarray(1); // byteOffset 1: not a multiple of 4
    expect(Array.from(decodeFloat32(shifted, [5]))).toEqual(values);
    expect(Array.from(decodeFloat32(shifted, [5, 1]))).toEqual(values);
  });

  it('refuses a file whose size does not match the shape', () => {
    expect(() => decodeFloat32(Buffer.alloc(16), [5])).toThrow(/needs 20 bytes/);
  });
});
