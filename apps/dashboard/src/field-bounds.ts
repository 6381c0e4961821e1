import type { z } from 'zod';
import {
  ashaSchema,
  medianStoppingSchema,
  sweepParamsSchema,
  averagePooling2dLayerSchema,
  conv2dLayerSchema,
  denseLayerSchema,
  dropoutLayerSchema,
  maxPooling2dLayerSchema,
  trainingParamsSchema,
} from '@convoy/schemas';

/**
 * The bounds of a number field, read from its zod schema in @convoy/schemas so the form's hints
 * and its checks in the browser can never drift from what the API accepts.
 */
export interface NumberBounds {
  readonly min?: number;
  readonly max?: number;
  /** `min` itself is refused (`gt`), as for the learning rate. */
  readonly minExclusive: boolean;
  /** `max` itself is refused (`lt`), as for the dropout rate. */
  readonly maxExclusive: boolean;
  readonly integer: boolean;
  /** May be left empty: the schema has no default for it (`dataset.limit`, a pool's strides). */
  readonly optional: boolean;
  /** Short, for the label: `1–1,024`, `> 0, ≤ 1`. */
  readonly hint: string;
  /** For a message: `a whole number from 1 to 1,024`. */
  readonly rule: string;
}

interface CheckDef {
  readonly check?: string;
  readonly value?: unknown;
  readonly inclusive?: boolean;
}
interface SchemaDef {
  readonly type: string;
  readonly format?: string;
  readonly checks?: readonly { readonly _zod: { readonly def: CheckDef } }[];
  readonly innerType?: z.ZodType;
  readonly options?: readonly z.ZodType[];
}

const defOf = (schema: z.ZodType) => schema._zod.def as unknown as SchemaDef;

/**
 * The number schema inside wrappers: default, prefault and optional (noting whether the field may
 * be empty), and a union of a number and a pair (`kernelSize: 3 | [3, 3]`), whose number the form
 * edits.
 */
function innerNumber(schema: z.ZodType): { number: z.ZodType; optional: boolean } | undefined {
  let current = schema;
  let optional = false;
  for (;;) {
    const def = defOf(current);
    if (def.type === 'number') return { number: current, optional };
    if (def.type === 'optional' && def.innerType) {
      optional = true;
      current = def.innerType;
    } else if ((def.type === 'default' || def.type === 'prefault') && def.innerType) {
      current = def.innerType;
    } else if (def.type === 'union' && def.options) {
      const number = def.options.find((option) => defOf(option).type === 'number');
      if (number === undefined) return undefined;
      current = number;
    } else {
      return undefined;
    }
  }
}

const formatNumber = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: 6 });

function describe(bounds: Omit<NumberBounds, 'hint' | 'rule'>): { hint: string; rule: string } {
  const { min, max, minExclusive, maxExclusive, integer } = bounds;
  const kind = integer ? 'a whole number' : 'a number';
  if (min !== undefined && max !== undefined && !minExclusive && !maxExclusive) {
    return {
      hint: `${formatNumber(min)}–${formatNumber(max)}`,
      rule: `${kind} from ${formatNumber(min)} to ${formatNumber(max)}`,
    };
  }
  const parts: { hint: string; rule: string }[] = [];
  if (min !== undefined) {
    parts.push(
      minExclusive
        ? { hint: `> ${formatNumber(min)}`, rule: `above ${formatNumber(min)}` }
        : { hint: `≥ ${formatNumber(min)}`, rule: `at least ${formatNumber(min)}` },
    );
  }
  if (max !== undefined) {
    parts.push(
      maxExclusive
        ? { hint: `< ${formatNumber(max)}`, rule: `below ${formatNumber(max)}` }
        : { hint: `≤ ${formatNumber(max)}`, rule: `at most ${formatNumber(max)}` },
    );
  }
  return {
    hint: parts.map((part) => part.hint).join(', ') || (integer ? 'whole number' : 'number'),
    rule: [kind, parts.map((part) => part.rule).join(' and ')].filter(Boolean).join(' '),
  };
}

/** The bounds of a number field's schema; undefined when the schema is not a number. */
export function numberBounds(schema: z.ZodType): NumberBounds | undefined {
  const found = innerNumber(schema);
  if (found === undefined) return undefined;
  const def = defOf(found.number);
  let min: number | undefined;
  let max: number | undefined;
  let minExclusive = false;
  let maxExclusive = false;
  for (const check of def.checks ?? []) {
    const { check: kind, value, inclusive } = check._zod.def;
    if (typeof value !== 'number') continue;
    if (kind === 'greater_than' && (min === undefined || value >= min)) {
      min = value;
      minExclusive = inclusive === false;
    }
    if (kind === 'less_than' && (max === undefined || value <= max)) {
      max = value;
      maxExclusive = inclusive === false;
    }
  }
  const integer = def.format === 'safeint' || def.format === 'int32' || def.format === 'uint32';
  const bounds = {
    ...(min === undefined ? {} : { min }),
    ...(max === undefined ? {} : { max }),
    minExclusive,
    maxExclusive,
    integer,
    optional: found.optional,
  };
  return { ...bounds, ...describe(bounds) };
}

function shapeOf(schema: z.ZodType): Record<string, z.ZodType> {
  let current = schema;
  for (;;) {
    const def = defOf(current) as SchemaDef & { shape?: Record<string, z.ZodType> };
    if (def.type === 'object' && def.shape) return def.shape;
    if (!def.innerType) throw new Error(`no object schema inside ${def.type}`);
    current = def.innerType;
  }
}

function boundsOf(schema: z.ZodType, path: string): NumberBounds {
  let current = schema;
  for (const key of path.split('.')) {
    const next = shapeOf(current)[key];
    if (next === undefined) throw new Error(`the training params have no field ${path}`);
    current = next;
  }
  const bounds = numberBounds(current);
  if (bounds === undefined) throw new Error(`${path} is not a number field`);
  return bounds;
}

/** The form's number fields by their path in the POST /v1/jobs body (`params.batchSize`). */
export const TRAINING_FIELD_PATHS = [
  'epochs',
  'batchSize',
  'validationSplit',
  'seed',
  'optimizer.learningRate',
  'dataset.limit',
  'earlyStopping.patience',
] as const;

/** The bounds of the training form's number fields, by path (`params.batchSize`). */
export function trainingFieldBounds(): Record<string, NumberBounds> {
  // earlyStopping is `false | { patience, … }`: its object is the union's second option.
  const earlyStopping = innerNumberObject(shapeOf(trainingParamsSchema).earlyStopping);
  return Object.fromEntries(
    TRAINING_FIELD_PATHS.map((path) => [
      `params.${path}`,
      path === 'earlyStopping.patience'
        ? boundsOf(earlyStopping, 'patience')
        : boundsOf(trainingParamsSchema, path),
    ]),
  );
}

/** The object option of a union such as `false | { … }` (inside its wrappers). */
function innerNumberObject(schema: z.ZodType | undefined): z.ZodType {
  let current = schema;
  while (current !== undefined) {
    const def = defOf(current);
    if (def.type === 'object') return current;
    if (def.type === 'union' && def.options) {
      current = def.options.find((option) => defOf(option).type === 'object');
    } else {
      current = def.innerType;
    }
  }
  throw new Error('no object schema in the union');
}

const LAYER_SCHEMAS = {
  conv2d: conv2dLayerSchema,
  maxPooling2d: maxPooling2dLayerSchema,
  averagePooling2d: averagePooling2dLayerSchema,
  dense: denseLayerSchema,
  dropout: dropoutLayerSchema,
} as const;

/** The bounds of each layer type's number fields (`conv2d.filters`), for the layer editor. */
export function layerFieldBounds(): Record<string, Record<string, NumberBounds>> {
  return Object.fromEntries(
    Object.entries(LAYER_SCHEMAS).map(([type, schema]) => [
      type,
      Object.fromEntries(
        Object.entries(schema.shape).flatMap(([name, field]) => {
          const bounds = numberBounds(field as z.ZodType);
          return bounds === undefined ? [] : [[name, bounds]];
        }),
      ),
    ]),
  );
}

/**
 * The sweep form's number fields by their path in the POST /v1/jobs body: the base training
 * params (`params.base.epochs`), the random search's trials and seed, maxConcurrent, and the
 * early-termination rules' settings (`params.earlyTermination.graceEpochs`).
 */
export function sweepFieldBounds(): Record<string, NumberBounds> {
  const base = Object.entries(trainingFieldBounds()).map(
    ([path, bounds]) => [path.replace(/^params\./, 'params.base.'), bounds] as const,
  );
  const sweep = (['trials', 'seed', 'maxConcurrent'] as const).map(
    (path) => [`params.${path}`, boundsOf(sweepParamsSchema, path)] as const,
  );
  const rules = [
    ['graceEpochs', medianStoppingSchema],
    ['minTrials', medianStoppingSchema],
    ['minEpochs', ashaSchema],
    ['reductionFactor', ashaSchema],
  ] as const;
  return Object.fromEntries([
    ...base,
    ...sweep,
    ...rules.map(([name, schema]) => [`params.earlyTermination.${name}`, boundsOf(schema, name)]),
  ]);
}
