import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  InvalidValueError,
  isOutOfMemoryError,
  isPermanentError,
  PermanentError,
  ShapeError,
} from './errors.js';

describe('isPermanentError', () => {
  it('is true for errors flagged permanent, plain objects included (what crosses a thread)', () => {
    expect(isPermanentError(new PermanentError('bad input'))).toBe(true);
    expect(isPermanentError(new ShapeError('too small', 3))).toBe(true);
    expect(isPermanentError({ name: 'DataError', message: 'gone', permanent: true })).toBe(true);
  });

  it('is true for zod errors: input that failed to parse never parses', () => {
    expect(isPermanentError(z.int().safeParse('x').error)).toBe(true);
  });

  it('is false for anything unflagged, a plain RangeError included', () => {
    expect(isPermanentError(new Error('redis went away'))).toBe(false);
    expect(isPermanentError(new RangeError('out of range'))).toBe(false);
    expect(isPermanentError({ permanent: 'yes' })).toBe(false);
    expect(isPermanentError('permanent')).toBe(false);
    expect(isPermanentError(null)).toBe(false);
  });
});

describe('isOutOfMemoryError', () => {
  // As each runtime words it: wasm (a failed allocation mid-kernel, a heap that cannot grow),
  // emscripten, V8, libtensorflow.
  const outOfMemory = [
    // WebAssembly.RuntimeError, as a wasm trap reaches JavaScript.
    Object.assign(new Error('memory access out of bounds'), { name: 'RuntimeError' }),
    new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded'),
    new RangeError('WebAssembly.Memory(): could not allocate memory'),
    new Error('Aborted(Cannot enlarge memory arrays to size 4294967296 bytes (OOM))'),
    new RangeError('Array buffer allocation failed'),
    new Error('OOM when allocating tensor with shape[1024,28,28,512]'),
    new RangeError('out of memory'),
  ];

  it.each(outOfMemory.map((error) => [error.message, error]))(
    'recognises "%s", as an error and as a message that crossed a thread, and calls it permanent',
    (_message, error) => {
      expect(isOutOfMemoryError(error)).toBe(true);
      expect(isOutOfMemoryError({ name: error.name, message: error.message })).toBe(true);
      expect(isOutOfMemoryError(error.message)).toBe(true);
      expect(isPermanentError(error)).toBe(true);
    },
  );

  it('leaves other errors alone', () => {
    for (const message of ['redis went away', 'index out of range', 'a room with a zoom']) {
      expect(isOutOfMemoryError(new Error(message))).toBe(false);
    }
    expect(isOutOfMemoryError(null)).toBe(false);
    expect(isOutOfMemoryError(42)).toBe(false);
  });
});

describe('InvalidValueError', () => {
  it('is a permanent RangeError, so callers catching RangeError still do', () => {
    const error = new InvalidValueError('bins must be an integer from 1 to 1000, not 0');
    expect(error).toBeInstanceOf(RangeError);
    expect(error.name).toBe('InvalidValueError');
    expect(isPermanentError(error)).toBe(true);
  });
});
