import {
  SWEEP_DISTRIBUTIONS,
  sweepParamPathSchema,
  sweepParamsSchema,
  type SweepGoal,
  type SweepParamsInput,
  type SweepValue,
  type TrainingMetric,
  type TrainingParams,
} from '@convoy/schemas';

/**
 * `convoy sweep`'s own flags, turned into the params of a sweep job. Every problem is a
 * SweepUsageError: the command reports it as a usage error (exit code 2) naming the flag.
 */
export class SweepUsageError extends Error {
  override readonly name = 'SweepUsageError';
}

export interface SweepFlags {
  readonly grid: readonly string[];
  readonly random: readonly string[];
  readonly trials?: number | undefined;
  readonly seed?: number | undefined;
  readonly metric?: TrainingMetric | undefined;
  readonly goal?: SweepGoal | undefined;
  readonly maxConcurrent?: number | undefined;
  readonly earlyTermination?: 'median' | 'asha' | undefined;
  readonly graceEpochs?: number | undefined;
  readonly minTrials?: number | undefined;
  readonly minEpochs?: number | undefined;
  readonly reductionFactor?: number | undefined;
}

type Dimension = SweepParamsInput['parameters'][string];

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

/** `0.001` and `1e-3` → numbers, `true`/`false` → booleans, anything else → the string itself. */
export function parseSweepValue(text: string): SweepValue {
  const trimmed = text.trim();
  if (NUMBER.test(trimmed)) return Number(trimmed);
  if (trimmed === 'true') return true;
  if (trimmed === 'false') return false;
  return trimmed;
}

/** `PATH=REST` → [path, rest], the path checked as the API checks it. */
function splitSpec(flag: string, spec: string, form: string): [string, string] {
  const equals = spec.indexOf('=');
  if (equals < 0) throw new SweepUsageError(`${flag} "${spec}": expected ${form}`);
  const path = spec.slice(0, equals).trim();
  const rest = spec.slice(equals + 1).trim();
  if (path === '') throw new SweepUsageError(`${flag} "${spec}": the param path is missing`);
  const checked = sweepParamPathSchema.safeParse(path);
  if (!checked.success)
    throw new SweepUsageError(
      `${flag} "${spec}": ${checked.error.issues[0]?.message ?? 'not a param path'}`,
    );
  if (rest === '') throw new SweepUsageError(`${flag} "${spec}": give the values after "="`);
  return [path, rest];
}

function parseValueList(flag: string, spec: string, list: string): SweepValue[] {
  const pieces = list.split(',');
  if (pieces.some((piece) => piece.trim() === ''))
    throw new SweepUsageError(`${flag} "${spec}": an empty value in "${list}"`);
  return pieces.map(parseSweepValue);
}

/** `--grid model.preset=cnn,cnn-avgpool` → ['model.preset', { values: ['cnn', 'cnn-avgpool'] }]. */
export function parseGridSpec(spec: string): [string, Dimension] {
  const [path, list] = splitSpec('--grid', spec, 'PATH=V1,V2,… (as model.preset=cnn,cnn-avgpool)');
  return [path, { values: parseValueList('--grid', spec, list) }];
}

const DISTRIBUTION_PATTERN = new RegExp(`^(${SWEEP_DISTRIBUTIONS.join('|')})(?::|$)`);

/**
 * `--random PATH=SPEC`: SPEC is `v1,v2,…` (a choice), or `uniform:MIN:MAX`, `log_uniform:MIN:MAX`,
 * `int_uniform:MIN:MAX` (a range to sample).
 */
export function parseRandomSpec(spec: string): [string, Dimension] {
  const [path, rest] = splitSpec(
    '--random',
    spec,
    'PATH=V1,V2,… or PATH=uniform|log_uniform|int_uniform:MIN:MAX',
  );
  const distribution = DISTRIBUTION_PATTERN.exec(rest)?.[1] as
    (typeof SWEEP_DISTRIBUTIONS)[number] | undefined;
  if (distribution === undefined) return [path, { values: parseValueList('--random', spec, rest) }];
  const bounds = rest.split(':').slice(1);
  const [min, max] = bounds.map((bound) => bound.trim());
  if (
    bounds.length !== 2 ||
    min === undefined ||
    max === undefined ||
    !NUMBER.test(min) ||
    !NUMBER.test(max)
  )
    throw new SweepUsageError(
      `--random "${spec}": expected ${distribution}:MIN:MAX with two numbers (as ${distribution}:${distribution === 'int_uniform' ? '16:128' : '0.0001:0.01'})`,
    );
  return [path, { distribution, min: Number(min), max: Number(max) }];
}

function dimensionsOf(specs: readonly string[], parse: typeof parseGridSpec, flag: string) {
  const parameters: Record<string, Dimension> = {};
  for (const spec of specs) {
    const [path, dimension] = parse(spec);
    if (path in parameters) throw new SweepUsageError(`${flag}: ${path} is given twice`);
    parameters[path] = dimension;
  }
  return parameters;
}

function earlyTerminationOf(flags: SweepFlags): SweepParamsInput['earlyTermination'] {
  const median = { '--grace-epochs': flags.graceEpochs, '--min-trials': flags.minTrials };
  const asha = { '--min-epochs': flags.minEpochs, '--reduction-factor': flags.reductionFactor };
  const stray = (given: Record<string, number | undefined>, rule: string) => {
    const flag = Object.entries(given).find(([, value]) => value !== undefined)?.[0];
    if (flag !== undefined)
      throw new SweepUsageError(`${flag} goes with --early-termination ${rule}`);
  };
  switch (flags.earlyTermination) {
    case undefined:
      stray(median, 'median');
      stray(asha, 'asha');
      return false;
    case 'median':
      stray(asha, 'asha');
      return { type: 'median', graceEpochs: flags.graceEpochs, minTrials: flags.minTrials };
    case 'asha':
      stray(median, 'median');
      return { type: 'asha', minEpochs: flags.minEpochs, reductionFactor: flags.reductionFactor };
  }
}

// zod paths of the sweep params → the flag a user typed.
const FLAG_FOR_PATH: Readonly<Record<string, string>> = {
  trials: '--trials',
  seed: '--seed',
  'metric.name': '--metric',
  metric: '--metric',
  maxConcurrent: '--max-concurrent',
  'earlyTermination.graceEpochs': '--grace-epochs',
  'earlyTermination.minTrials': '--min-trials',
  'earlyTermination.minEpochs': '--min-epochs',
  'earlyTermination.reductionFactor': '--reduction-factor',
  base: 'training flags',
};

/**
 * The sweep's params from its flags and its base training params (parsed from the training flags),
 * checked with the API's own schema, so a mistake is reported before anything is sent.
 */
export function sweepParamsFromFlags(flags: SweepFlags, base: TrainingParams): SweepParamsInput {
  if (flags.grid.length > 0 && flags.random.length > 0)
    throw new SweepUsageError(
      'use either --grid (every combination) or --random (sampled trials), not both',
    );
  if (flags.grid.length === 0 && flags.random.length === 0)
    throw new SweepUsageError(
      'give the search space: --grid PATH=V1,V2,… (repeatable) or --random PATH=SPEC (repeatable)',
    );
  const method = flags.grid.length > 0 ? 'grid' : 'random';
  if (method === 'grid' && flags.trials !== undefined)
    throw new SweepUsageError('--trials is for --random; a grid runs every combination');
  if (method === 'grid' && flags.seed !== undefined)
    throw new SweepUsageError(
      '--seed seeds the sampler of --random; a grid has none (the training seed is --training-seed)',
    );
  const parameters =
    method === 'grid'
      ? dimensionsOf(flags.grid, parseGridSpec, '--grid')
      : dimensionsOf(flags.random, parseRandomSpec, '--random');
  const input: SweepParamsInput = {
    base,
    method,
    parameters,
    ...(flags.trials === undefined ? {} : { trials: flags.trials }),
    ...(flags.seed === undefined ? {} : { seed: flags.seed }),
    metric: {
      ...(flags.metric === undefined ? {} : { name: flags.metric }),
      ...(flags.goal === undefined ? {} : { goal: flags.goal }),
    },
    ...(flags.maxConcurrent === undefined ? {} : { maxConcurrent: flags.maxConcurrent }),
    earlyTermination: earlyTerminationOf(flags),
  };
  // JSON round trip drops the undefined fields, so the schema's defaults apply.
  const cleaned = JSON.parse(JSON.stringify(input)) as SweepParamsInput;
  const parsed = sweepParamsSchema.safeParse(cleaned);
  if (parsed.success) return cleaned;
  const problems = parsed.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.path[0] === 'parameters') {
      const dimension = issue.path[1] === undefined ? '' : ` ${String(issue.path[1])}`;
      return `--${method}${dimension}: ${issue.message}`;
    }
    const flag = Object.entries(FLAG_FOR_PATH).find(
      ([prefix]) => path === prefix || path.startsWith(`${prefix}.`),
    )?.[1];
    return `${flag ?? (path || 'sweep')}: ${issue.message}`;
  });
  throw new SweepUsageError(`invalid sweep:\n  ${problems.join('\n  ')}`);
}
