import { resolve } from 'node:path';
import { z } from 'zod';
import { BACKEND_NAMES } from './training-result.js';

/**
 * Every app reads its configuration the same way: a zod schema of options (camelCase, with
 * defaults) that `createConfig(options)` parses, and a map from option to environment variable
 * that `loadConfig(env)` reads through `configFromEnvironment` — once, in main.ts.
 */

/** The configuration is unusable; the message names the environment variables to fix. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Which environment variable sets each option (`{ redisUrl: 'REDIS_URL' }`). */
export type EnvironmentNames = Readonly<Record<string, string>>;

/**
 * A failed configuration parse as one line, "FIELD: message; …". `names` maps a field's path to
 * the environment variable a user sets for it, so the message names what they can change.
 */
export function describeConfigIssues(error: z.ZodError, names: EnvironmentNames = {}): string {
  return error.issues
    .map((issue) => {
      const [option, ...within] = issue.path.map(String);
      if (option === undefined) return issue.message;
      const variable = names[option];
      const field =
        variable === undefined
          ? [option, ...within].join('.')
          : `${variable}${within.length > 0 ? ` (item ${within.join('.')})` : ''}`;
      return `${field}: ${issue.message}`;
    })
    .join('; ');
}

/** The options the environment sets: each named variable, trimmed; empty ones count as unset. */
export function configFromEnvironment(
  env: NodeJS.ProcessEnv,
  names: EnvironmentNames,
): Record<string, string> {
  const options: Record<string, string> = {};
  for (const [option, variable] of Object.entries(names)) {
    const value = env[variable]?.trim();
    if (value !== undefined && value !== '') options[option] = value;
  }
  return options;
}

/** Parses an app's options; a ConfigError (with the zod error as cause) names the variables to fix. */
export function parseConfig<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  what: string,
  names: EnvironmentNames,
): z.output<Schema> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      `invalid ${what} configuration: ${describeConfigIssues(parsed.error, names)}`,
      {
        cause: parsed.error,
      },
    );
  }
  return parsed.data;
}

/** Options that depend on the environment as a whole rather than on one variable each. */
export interface DerivedOptions {
  readonly variables: readonly string[];
  readonly read: (env: NodeJS.ProcessEnv) => Record<string, unknown>;
}

/** An app's `createConfig(options)` and `loadConfig(env)`, from its options schema and variable names. */
export interface ConfigReader<Schema extends z.ZodType> {
  /** Every variable loadConfig reads, sorted: what deployment files may set. */
  readonly environmentVariables: readonly string[];
  /** Parses an options object, filling in defaults; ConfigError names the variables to fix. */
  createConfig(input?: z.input<Schema>): z.output<Schema>;
  /** Reads the app's environment variables (empty ones count as unset): once, in main.ts. */
  loadConfig(env?: NodeJS.ProcessEnv, overrides?: z.input<Schema>): z.output<Schema>;
}

export function configReader<Schema extends z.ZodType>(
  schema: Schema,
  what: string,
  names: EnvironmentNames,
  /** Options derived from the environment other than one variable each (NODE_ENV, say). */
  derived: DerivedOptions = { variables: [], read: () => ({}) },
): ConfigReader<Schema> {
  const createConfig = (input: z.input<Schema> = {} as z.input<Schema>) =>
    parseConfig(schema, input, what, names);
  return {
    environmentVariables: [...new Set([...Object.values(names), ...derived.variables])].sort(),
    createConfig,
    loadConfig: (env = process.env, overrides = {} as z.input<Schema>) =>
      createConfig({
        ...configFromEnvironment(env, names),
        ...derived.read(env),
        ...(overrides as object),
      } as z.input<Schema>),
  };
}

/** DATA_DIR and FASHION_MNIST_DIR (the official gzipped IDX files), resolved to absolute paths. */
export const dataDirectoryOptions = {
  dataDir: z
    .string()
    .min(1)
    .default('./var/data')
    .transform((path) => resolve(path)),
  officialDataDir: z
    .string()
    .min(1)
    .transform((path) => resolve(path))
    .optional(),
};
export const DATA_DIRECTORY_NAMES = { dataDir: 'DATA_DIR', officialDataDir: 'FASHION_MNIST_DIR' };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const logLevelSchema = z.enum(LOG_LEVELS);

/** CONVOY_BACKEND: which tfjs backend a worker or the CLI starts (`auto` picks the fastest there is). */
export const BACKEND_REQUESTS = ['auto', ...BACKEND_NAMES] as const;
export type BackendRequest = (typeof BACKEND_REQUESTS)[number];
export const backendRequestSchema = z.enum(BACKEND_REQUESTS);

/**
 * API_TOKEN, METRICS_TOKEN: a bearer token as RFC 6750 allows it (b64token), so it survives an
 * Authorization header.
 */
export const apiTokenSchema = z
  .string()
  .regex(/^[A-Za-z0-9\-._~+/]+=*$/, 'a token may use letters, digits and -._~+/ (then =)')
  .max(1024);

/** REDIS_URL. */
export const redisUrlSchema = z
  .string()
  .regex(/^rediss?:\/\//, 'REDIS_URL must start with redis:// or rediss://');

/** CONVOY_QUEUE_PREFIX: BullMQ's key prefix; braces allowed for a Redis Cluster hash tag. */
export const queuePrefixSchema = z
  .string()
  .regex(/^[A-Za-z0-9._:{}-]{1,100}$/, 'letters, digits, . _ : - and a {hash tag}, at most 100');

/** REDIS_CLUSTER_NODES: `host:port,host:port,…`, the seed nodes of a Redis Cluster. */
export const redisClusterNodesSchema = z
  .union([z.string(), z.array(z.object({ host: z.string(), port: z.number() }))])
  .transform((value, context) => {
    if (typeof value !== 'string') return value;
    const nodes = value
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map((entry) => /^(?<host>\[[0-9a-fA-F:]+\]|[^:\s]+):(?<port>\d{1,5})$/.exec(entry)?.groups);
    if (nodes.length === 0 || nodes.some((node) => node === undefined)) {
      context.addIssue({ code: 'custom', message: 'must be host:port,host:port,…' });
      return z.NEVER;
    }
    return nodes.map((node) => ({
      host: (node?.host ?? '').replace(/^\[|\]$/g, ''),
      port: Number(node?.port),
    }));
  })
  .pipe(z.array(z.object({ host: z.string().min(1), port: z.int().min(1).max(65_535) })).min(1));

/** The hash tag of a key prefix (`{convoy}` → `convoy`), as Redis Cluster picks a key's slot. */
export function hashTagOf(prefix: string): string | undefined {
  const open = prefix.indexOf('{');
  const close = open < 0 ? -1 : prefix.indexOf('}', open + 1);
  return close > open + 1 ? prefix.slice(open + 1, close) : undefined;
}

/** On a Redis Cluster every key must carry one hash tag: a queue prefix without one is refused. */
export function refineClusterQueuePrefix(
  config: { redisClusterNodes?: unknown[] | undefined; queuePrefix?: string | undefined },
  context: z.RefinementCtx,
): void {
  const prefix = config.queuePrefix;
  if (config.redisClusterNodes === undefined || prefix === undefined) return;
  if (hashTagOf(prefix) === undefined) {
    context.addIssue({
      code: 'custom',
      path: ['queuePrefix'],
      message: `"${prefix}" has no hash tag: on a Redis Cluster use one in braces, e.g. {convoy} or test-{x}`,
    });
  }
}

/**
 * TRAINING_THREADS: a positive whole number, or unset. Empty counts as unset: compose passes
 * `${TRAINING_THREADS:-}` through.
 */
export const trainingThreadsEnvSchema = z.preprocess(
  (value) => (value === '' ? undefined : value),
  z.coerce.number().int().positive().optional(),
);

/**
 * MAX_JOB_MEMORY_MB: the most memory a training job may need by estimateTrainingMemory; the API
 * refuses a job above it and the worker checks again. 2 GB: wasm gives each thread a 4 GB heap
 * that never shrinks and fragments (up to 1.4× the estimate, measured), so this keeps a job's heap
 * under the cap; see docs/operations.md#memory-budget.
 */
export const DEFAULT_MAX_JOB_MEMORY_MB = 2048;
export const maxJobMemoryMbSchema = z.coerce
  .number()
  .int()
  .min(64)
  .max(1_048_576)
  .default(DEFAULT_MAX_JOB_MEMORY_MB);
