import seedrandom from 'seedrandom';
import {
  countSweepTrials,
  MODEL_PRESET_LAYERS,
  trainingParamsSchema,
  type SweepAssignment,
  type SweepDimension,
  type SweepParams,
  type SweepValue,
  type TrainingParams,
} from '@convoy/schemas';

/** One trial of a sweep: the values it takes and the training params they make. */
export interface PlannedTrial {
  readonly trial: number;
  readonly assignment: SweepAssignment;
  readonly params: TrainingParams;
}

/** Why a trial's params are not valid training params, said as the API reports it. */
export interface TrialProblem {
  readonly trial: number;
  readonly assignment: SweepAssignment;
  /** Where in the request: `params.parameters.<dimension>` when a swept value is at fault, else `params.base.<path>`. */
  readonly path: string;
  readonly message: string;
}

export type SweepPlan =
  | { readonly ok: true; readonly trials: PlannedTrial[] }
  | { readonly ok: false; readonly problem: TrialProblem; readonly trials: number };

/**
 * Every trial of a sweep, in order, each one's params parsed with the training params schema: a grid
 * in row-major order (the last dimension varies fastest), or `trials` draws of the seeded sampler
 * (the same seed gives the same trials). Stops at the first trial whose params do not parse.
 */
export function planSweep(sweep: SweepParams): SweepPlan {
  const assignments =
    sweep.method === 'grid' ? gridAssignments(sweep.parameters) : randomAssignments(sweep);
  const trials: PlannedTrial[] = [];
  for (const [trial, assignment] of assignments.entries()) {
    const outcome = trialParams(sweep.base, assignment);
    if (!outcome.ok)
      return {
        ok: false,
        trials: assignments.length,
        problem: { trial, assignment, ...outcome.problem },
      };
    trials.push({ trial, assignment, params: outcome.params });
  }
  return { ok: true, trials };
}

/** How a problem reads: `trial 3 of 8 (model.layers[0].filters=2048): …`. */
export function describeTrialProblem(problem: TrialProblem, trials: number): string {
  return `trial ${problem.trial} of ${trials} (${describeAssignment(problem.assignment)}): ${problem.message}`;
}

/** `model.preset=cnn, optimizer.learningRate=0.001`. */
export function describeAssignment(assignment: SweepAssignment): string {
  return Object.entries(assignment)
    .map(([path, value]) => `${path}=${String(value)}`)
    .join(', ');
}

function gridAssignments(space: SweepParams['parameters']): SweepAssignment[] {
  let rows: SweepAssignment[] = [{}];
  for (const [path, dimension] of Object.entries(space)) {
    const values = 'values' in dimension ? dimension.values : [];
    rows = rows.flatMap((row) => values.map((value) => ({ ...row, [path]: value })));
  }
  return rows;
}

function randomAssignments(sweep: SweepParams): SweepAssignment[] {
  const random = seedrandom(`convoy-sweep:${sweep.seed}`);
  const entries = Object.entries(sweep.parameters);
  return Array.from({ length: countSweepTrials(sweep) }, () =>
    Object.fromEntries(entries.map(([path, dimension]) => [path, sample(dimension, random)])),
  );
}

/** A value of the dimension; floats are kept to 4 significant digits, as a person would write them. */
export function sample(dimension: SweepDimension, random: () => number): SweepValue {
  if ('values' in dimension) {
    const index = Math.min(
      dimension.values.length - 1,
      Math.floor(random() * dimension.values.length),
    );
    return dimension.values[index] as SweepValue;
  }
  const { min, max } = dimension;
  switch (dimension.distribution) {
    case 'int_uniform':
      return Math.min(max, min + Math.floor(random() * (max - min + 1)));
    case 'uniform':
      return roundSignificant(min + random() * (max - min), min, max);
    case 'log_uniform':
      return roundSignificant(
        Math.exp(Math.log(min) + random() * (Math.log(max) - Math.log(min))),
        min,
        max,
      );
  }
}

function roundSignificant(value: number, min: number, max: number): number {
  const rounded = Number(value.toPrecision(4));
  return Math.min(max, Math.max(min, rounded));
}

type PathStep = string | number;

/** `model.layers[1].filters` → `['model', 'layers', 1, 'filters']`. */
export function parseParamPath(path: string): PathStep[] {
  const steps: PathStep[] = [];
  for (const match of path.matchAll(/([A-Za-z][A-Za-z0-9]*)|\[(\d+)\]/g)) {
    if (match[1] !== undefined) steps.push(match[1]);
    else steps.push(Number(match[2]));
  }
  return steps;
}

type TrialOutcome =
  | { readonly ok: true; readonly params: TrainingParams }
  | { readonly ok: false; readonly problem: { path: string; message: string } };

/**
 * The base params with the trial's values put in place, parsed. A path into `model.layers` of a
 * preset model swaps the preset for its layer list first, so a preset's layers can be varied.
 */
export function trialParams(base: TrainingParams, assignment: SweepAssignment): TrialOutcome {
  const params = structuredClone(base) as Record<string, unknown>;
  // The preset first: a layer path then expands the preset this trial chose.
  const entries = Object.entries(assignment).sort(
    ([a], [b]) => Number(b === 'model.preset') - Number(a === 'model.preset'),
  );
  for (const [path, value] of entries) {
    const steps = parseParamPath(path);
    if (steps[0] === 'model' && steps[1] === 'layers') expandPreset(params, assignment);
    const problem = setAt(params, steps, value);
    if (problem !== undefined)
      return {
        ok: false,
        problem: { path: `params.parameters.${path}`, message: `${path}: ${problem}` },
      };
  }
  const parsed = trainingParamsSchema.safeParse(params);
  if (parsed.success) return { ok: true, params: parsed.data };
  const issue = parsed.error.issues[0];
  const issuePath = (issue?.path ?? []).map((step) =>
    typeof step === 'number' ? step : String(step),
  );
  // The dimension the issue is about: at its path, or at a part of it (the layer a value changed).
  const dimension =
    Object.keys(assignment).find((path) => samePath(parseParamPath(path), issuePath)) ??
    Object.keys(assignment).find((path) => startsWith(parseParamPath(path), issuePath));
  const dotted = issuePath.join('.');
  return {
    ok: false,
    problem: {
      path:
        dimension === undefined
          ? `params.base${dotted ? `.${dotted}` : ''}`
          : `params.parameters.${dimension}`,
      message: `${dotted || 'params'}: ${issue?.message ?? 'invalid'}`,
    },
  };
}

function expandPreset(params: Record<string, unknown>, assignment: SweepAssignment): void {
  const model = params.model as { preset?: keyof typeof MODEL_PRESET_LAYERS } | undefined;
  if (model?.preset === undefined) return;
  // A preset chosen by the trial itself is expanded too: the layer path then varies that preset.
  const preset =
    (assignment['model.preset'] as keyof typeof MODEL_PRESET_LAYERS | undefined) ?? model.preset;
  const layers = MODEL_PRESET_LAYERS[preset];
  if (layers === undefined) return;
  params.model = { layers: structuredClone(layers) };
}

/** Puts `value` at `steps`; a problem when the path leads through something that is not there. */
function setAt(
  target: Record<string, unknown>,
  steps: readonly PathStep[],
  value: SweepValue,
): string | undefined {
  let node: unknown = target;
  for (const [position, step] of steps.entries()) {
    const last = position === steps.length - 1;
    if (typeof step === 'number') {
      if (!Array.isArray(node)) return `${describeSteps(steps, position)} is not a list`;
      if (step >= node.length)
        return `${describeSteps(steps, position)} has ${node.length} entries (indices 0–${node.length - 1})`;
      if (last) node[step] = value;
      else node = node[step];
      continue;
    }
    if (typeof node !== 'object' || node === null || Array.isArray(node))
      return `${describeSteps(steps, position)} is not an object (it is ${JSON.stringify(node)})`;
    const record = node as Record<string, unknown>;
    if (last) record[step] = value;
    else {
      // A missing object on the way is made; the schema then says whether its fields fit.
      record[step] ??= {};
      node = record[step];
    }
  }
  return undefined;
}

function describeSteps(steps: readonly PathStep[], upTo: number): string {
  return steps
    .slice(0, upTo)
    .map((step, position) =>
      typeof step === 'number' ? `[${step}]` : position === 0 ? step : `.${step}`,
    )
    .join('');
}

function samePath(a: readonly PathStep[], b: readonly PathStep[]): boolean {
  return a.length === b.length && startsWith(a, b);
}

/** Whether `path` begins with the steps of `prefix` (a non-empty one). */
function startsWith(path: readonly PathStep[], prefix: readonly PathStep[]): boolean {
  return (
    prefix.length > 0 &&
    prefix.length <= path.length &&
    prefix.every((step, position) => String(step) === String(path[position]))
  );
}
