import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidValueError, isPermanentError, PermanentError, ShapeError } from './errors.js';

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

describe('InvalidValueError', () => {
  it('is a permanent RangeError, so callers catching RangeError still do', () => {
    const error = new InvalidValueError('bins must be an integer from 1 to 1000, not 0');
    expect(error).toBeInstanceOf(RangeError);
    expect(error.name).toBe('InvalidValueError');
    expect(isPermanentError(error)).toBe(true);
  });
});
