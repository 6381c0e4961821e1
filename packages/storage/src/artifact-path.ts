import { InvalidArtifactPathError } from './errors.js';

/** Longest artifact path, in characters (`/` included). */
export const MAX_ARTIFACT_PATH_LENGTH = 255;
/** Most segments an artifact path may have (`model/model.json` has 2). */
export const MAX_ARTIFACT_PATH_SEGMENTS = 8;
/** A job id is a safe directory name: letters, digits, `.`, `_`, `-`, starting with a letter or digit. */
export const JOB_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const SEGMENT_PATTERN = /^[A-Za-z0-9._-]+$/;

/**
 * Prefix of the temp files an atomic write leaves for a moment. `~` is outside the characters a
 * segment may use, so no artifact path can name a temp file and `list` never shows one.
 */
export const TEMP_FILE_PREFIX = '~convoy-';

/** Throws InvalidArtifactPathError unless `jobId` matches JOB_ID_PATTERN. */
export function assertValidJobId(jobId: string): void {
  if (typeof jobId !== 'string' || !JOB_ID_PATTERN.test(jobId)) {
    throw new InvalidArtifactPathError(
      String(jobId),
      'a job id is 1–128 characters of [A-Za-z0-9._-] and starts with a letter or digit',
    );
  }
}

export function isValidJobId(jobId: string): boolean {
  return typeof jobId === 'string' && JOB_ID_PATTERN.test(jobId);
}

/**
 * The segments of a relative, `/`-separated artifact path; throws InvalidArtifactPathError for
 * anything else. Nothing is decoded or normalized: `%2e%2e` is rejected, not turned into `..`.
 */
export function parseArtifactPath(path: string): string[] {
  const reason = findPathProblem(path);
  if (reason !== undefined) throw new InvalidArtifactPathError(String(path), reason);
  return path.split('/');
}

export function isValidArtifactPath(path: string): boolean {
  return findPathProblem(path) === undefined;
}

/** Whether a directory entry's name could be a segment of an artifact path. */
export function isValidSegment(name: string): boolean {
  return SEGMENT_PATTERN.test(name) && name !== '.' && name !== '..';
}

function findPathProblem(path: unknown): string | undefined {
  if (typeof path !== 'string') return 'not a string';
  if (path.length === 0) return 'empty';
  if (path.length > MAX_ARTIFACT_PATH_LENGTH) {
    return `longer than ${MAX_ARTIFACT_PATH_LENGTH} characters`;
  }
  if (path.includes('\0')) return 'contains a NUL character';
  if (path.includes('\\')) return 'contains a backslash (separate segments with /)';
  if (path.startsWith('/')) return 'absolute (artifact paths are relative to the job)';
  const segments = path.split('/');
  if (segments.length > MAX_ARTIFACT_PATH_SEGMENTS) {
    return `more than ${MAX_ARTIFACT_PATH_SEGMENTS} segments`;
  }
  for (const segment of segments) {
    if (segment === '') return 'empty segment';
    if (segment === '.' || segment === '..') return `segment ${JSON.stringify(segment)}`;
    if (!SEGMENT_PATTERN.test(segment)) return 'characters outside [A-Za-z0-9._-]';
  }
  return undefined;
}

/**
 * Whether `prefix` can be the key prefix of an object store: empty (the bucket's root) or
 * `/`-separated segments of the characters artifact paths use, without a slash at either end.
 */
export function isValidKeyPrefix(prefix: string): boolean {
  return prefix === '' || prefix.split('/').every(isValidSegment);
}
