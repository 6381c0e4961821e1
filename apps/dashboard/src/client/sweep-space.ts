/**
 * The sweep form's search space without the DOM: a dimension's values typed as a comma list
 * (`0.001, 3e-4` are numbers, `true` a boolean, `cnn` text) or a range to sample, the trial count
 * the API will plan (`countSweepTrials` of @convoy/schemas: the grid's product, or the random
 * search's trials), and the request body.
 */

import type { SweepValue } from './sweep-data.js';

export type DimensionKind = 'values' | 'uniform' | 'log_uniform' | 'int_uniform';

/** One row of the form's dimensions, as typed. */
export interface DimensionDraft {
  readonly path: string;
  readonly kind: DimensionKind;
  /** The comma list, for `values`. */
  readonly values: string;
  /** The range's bounds, for the distributions. */
  readonly min: string;
  readonly max: string;
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/** `cnn, cnn-avgpool` → ['cnn', 'cnn-avgpool']; `0.001, 3e-4` → [0.001, 0.0003]; `true` → true. */
export function parseValueList(text: string): SweepValue[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => {
      if (NUMBER.test(item)) return Number(item);
      if (item === 'true' || item === 'false') return item === 'true';
      return item;
    });
}

/** A number as typed, or the text itself (the API then names the field); undefined when empty. */
export function numeric(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : trimmed;
}

/** The dimension as the API takes it: a list of values, or `{ distribution, min, max }`. */
export function dimensionOf(draft: DimensionDraft): unknown {
  if (draft.kind === 'values') return parseValueList(draft.values);
  return { distribution: draft.kind, min: numeric(draft.min), max: numeric(draft.max) };
}

/** What is wrong with the rows before anything is sent: a missing path or values, a path twice. */
export function draftProblems(
  drafts: readonly DimensionDraft[],
  method: 'grid' | 'random',
): { index: number; message: string }[] {
  const problems: { index: number; message: string }[] = [];
  const seen = new Set<string>();
  drafts.forEach((draft, index) => {
    const path = draft.path.trim();
    if (path === '') problems.push({ index, message: 'give the param path to vary' });
    else if (seen.has(path)) problems.push({ index, message: `${path} is varied twice` });
    seen.add(path);
    if (draft.kind === 'values' && parseValueList(draft.values).length === 0)
      problems.push({ index, message: 'give at least one value (a comma list)' });
    if (draft.kind !== 'values' && method === 'grid')
      problems.push({
        index,
        message: 'a grid takes a list of values; ranges are for random search',
      });
  });
  return problems;
}

export interface TrialCountPreview {
  /** The trials the API will plan, when the form says enough to know. */
  readonly count: number | undefined;
  readonly text: string;
  /** Over the most a sweep may hold. */
  readonly over: boolean;
}

const count = (value: number) => value.toLocaleString('en-US');

/**
 * The trial count as the API will plan it: a grid's product of value counts (`4 trials (2 × 2)`),
 * or a random search's trials (default `defaultTrials`), beside the limit.
 */
export function previewTrialCount(
  method: 'grid' | 'random',
  drafts: readonly DimensionDraft[],
  trialsText: string,
  limits: { readonly maxTrials: number; readonly defaultTrials: number },
): TrialCountPreview {
  const limit = `at most ${count(limits.maxTrials)} per sweep`;
  if (drafts.length === 0)
    return { count: undefined, text: `No dimension yet · ${limit}`, over: false };
  let trials: number;
  let detail: string;
  if (method === 'grid') {
    const sizes = drafts.map((draft) =>
      draft.kind === 'values' ? parseValueList(draft.values).length : 1,
    );
    trials = sizes.reduce((product, size) => product * size, 1);
    detail = sizes.length > 1 ? ` (${sizes.join(' × ')})` : '';
  } else {
    const typed = numeric(trialsText);
    if (typed !== undefined && (typeof typed !== 'number' || !Number.isInteger(typed) || typed < 1))
      return { count: undefined, text: `Trials must be a whole number · ${limit}`, over: false };
    trials = typed ?? limits.defaultTrials;
    detail = ' (random draws)';
  }
  const over = trials > limits.maxTrials;
  const noun = trials === 1 ? 'trial' : 'trials';
  return {
    count: trials,
    text: over
      ? `${count(trials)} ${noun}${detail}: more than the ${count(limits.maxTrials)} a sweep may hold`
      : `${count(trials)} ${noun}${detail} · ${limit}`,
    over,
  };
}

export interface SweepFormValues {
  readonly base: Record<string, unknown>;
  readonly method: 'grid' | 'random';
  readonly dimensions: readonly DimensionDraft[];
  readonly trials: string;
  readonly seed: string;
  readonly metric: string;
  /** `''`: the metric's own goal (minimize a loss, maximize an accuracy). */
  readonly goal: string;
  readonly maxConcurrent: string;
  readonly earlyTermination: Record<string, unknown> | false;
  readonly name: string;
  readonly tags: string;
}

/** The body of `POST /v1/jobs` for a sweep. */
export function sweepBody(values: SweepFormValues): Record<string, unknown> {
  const parameters: Record<string, unknown> = {};
  for (const draft of values.dimensions) parameters[draft.path.trim()] = dimensionOf(draft);
  const params: Record<string, unknown> = {
    base: values.base,
    method: values.method,
    parameters,
    metric: { name: values.metric, ...(values.goal === '' ? {} : { goal: values.goal }) },
    earlyTermination: values.earlyTermination,
  };
  if (values.method === 'random') {
    const trials = numeric(values.trials);
    const seed = numeric(values.seed);
    if (trials !== undefined) params.trials = trials;
    if (seed !== undefined) params.seed = seed;
  }
  const maxConcurrent = numeric(values.maxConcurrent);
  if (maxConcurrent !== undefined) params.maxConcurrent = maxConcurrent;
  const name = values.name.trim();
  const tags = values.tags
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
  return {
    type: 'sweep',
    params,
    ...(name === '' ? {} : { name }),
    ...(tags.length === 0 ? {} : { tags }),
  };
}
