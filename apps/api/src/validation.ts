import type { z } from 'zod';
import { validationFailed, type ErrorDetail } from './http-error.js';

export type RequestPart = 'body' | 'query' | 'params';

/**
 * `schema` applied to one part of a request; the parsed value, or a 400 VALIDATION_FAILED whose
 * details name each problem by its path in that part (`params.model.layers.2.units`).
 */
export function parseRequest<S extends z.ZodType>(
  schema: S,
  value: unknown,
  part: RequestPart,
): z.output<S> {
  // The inputs stay on the issues for describeIssues (a missing field reads differently); they
  // never reach the response.
  const parsed = schema.safeParse(value, { reportInput: true });
  if (parsed.success) return parsed.data;
  const details = describeIssues(parsed.error.issues);
  const first = details[0];
  const summary = first
    ? `${first.path ? `${first.path}: ` : ''}${first.message}`
    : 'invalid input';
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
  throw validationFailed(`invalid request ${part}: ${summary}${more}`, details);
}

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

/** zod's own message for a union none of whose alternatives fit; a schema's own message says more. */
const GENERIC_UNION_MESSAGE = 'Invalid input';

/**
 * Issues as `{ path, message }`. A failed union says what its schema says about the input (a model
 * with both preset and layers) or, where it has nothing to say, reports the alternative that got
 * furthest (its deepest issue, then its fewest issues), so a bad layer inside `{ layers: [...] }`
 * is named rather than "Invalid input". A field that is missing says so.
 */
export function describeIssues(issues: readonly Issue[], base: Path = []): ErrorDetail[] {
  return issues.flatMap((issue) => {
    const path = [...base, ...issue.path];
    if (
      issue.code === 'invalid_union' &&
      issue.errors.length > 0 &&
      issue.message === GENERIC_UNION_MESSAGE
    ) {
      const branch = closestBranch(issue.errors);
      if (branch) return describeIssues(branch, path);
    }
    return [{ path: formatPath(path), message: messageOf(issue) }];
  });
}

function messageOf(issue: Issue): string {
  if (issue.code === 'invalid_type' && 'input' in issue && issue.input === undefined)
    return `missing: expected ${issue.expected}`;
  return issue.message;
}

function closestBranch(branches: readonly (readonly Issue[])[]): readonly Issue[] | undefined {
  const depth = (issues: readonly Issue[]) => Math.max(0, ...issues.map(deepestPath));
  return [...branches].sort((a, b) => depth(b) - depth(a) || a.length - b.length)[0];
}

function deepestPath(issue: Issue): number {
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    return issue.path.length + Math.max(...issue.errors.flat().map(deepestPath));
  }
  return issue.path.length;
}

function formatPath(path: Path): string {
  return path.map((key) => (typeof key === 'symbol' ? key.toString() : String(key))).join('.');
}
