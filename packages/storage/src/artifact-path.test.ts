import { describe, expect, it } from 'vitest';
import {
  assertValidJobId,
  isValidArtifactPath,
  isValidJobId,
  parseArtifactPath,
} from './artifact-path.js';
import { ArtifactNotFoundError, InvalidArtifactPathError, StorageError } from './errors.js';
import { INVALID_JOB_IDS, INVALID_PATHS } from './invalid-inputs.test-helper.js';

describe('parseArtifactPath', () => {
  it.each([
    ['params.json', ['params.json']],
    ['model/model.json', ['model', 'model.json']],
    ['model/group1-shard1of1.bin', ['model', 'group1-shard1of1.bin']],
    ['.hidden', ['.hidden']],
    ['a..b', ['a..b']],
    ['...', ['...']],
    ['a/b/c/d/e/f/g/h', ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']],
    ['a'.repeat(255), ['a'.repeat(255)]],
  ])('accepts %j', (path, segments) => {
    expect(parseArtifactPath(path)).toEqual(segments);
    expect(isValidArtifactPath(path)).toBe(true);
  });

  it.each(INVALID_PATHS.map((path) => [path]))('rejects %j', (path) => {
    expect(() => parseArtifactPath(path)).toThrow(InvalidArtifactPathError);
    expect(isValidArtifactPath(path)).toBe(false);
  });

  it('rejects what is not a string', () => {
    expect(() => parseArtifactPath(42 as unknown as string)).toThrow(InvalidArtifactPathError);
  });
});

describe('job ids', () => {
  it.each(['1', 'job-1', 'a.b_c-d', '42', 'A'.repeat(128)])('accepts %j', (jobId) => {
    expect(() => assertValidJobId(jobId)).not.toThrow();
    expect(isValidJobId(jobId)).toBe(true);
  });

  it.each(INVALID_JOB_IDS.map((jobId) => [jobId]))('rejects %j', (jobId) => {
    expect(() => assertValidJobId(jobId)).toThrow(InvalidArtifactPathError);
    expect(isValidJobId(jobId)).toBe(false);
  });
});

describe('errors', () => {
  it('carry stable codes and safe messages', () => {
    const invalid = new InvalidArtifactPathError('x\u0000y', 'contains a NUL character');
    expect(invalid).toBeInstanceOf(StorageError);
    expect(invalid.code).toBe('INVALID_ARTIFACT_PATH');
    expect(invalid.name).toBe('InvalidArtifactPathError');
    expect(invalid.path).toBe('x\u0000y');
    expect(invalid.message).not.toContain('\u0000');

    const missing = new ArtifactNotFoundError('job-1', 'model/model.json');
    expect(missing).toBeInstanceOf(StorageError);
    expect(missing.code).toBe('ARTIFACT_NOT_FOUND');
    expect(missing.name).toBe('ArtifactNotFoundError');
    expect(missing.message).toBe('artifact "model/model.json" of job "job-1" not found');
  });

  it('cut long paths short in the message', () => {
    const error = new InvalidArtifactPathError('a'.repeat(10_000), 'too long');
    expect(error.message.length).toBeLessThan(200);
  });
});
