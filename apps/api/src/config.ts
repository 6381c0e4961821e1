import { isLoopbackHost } from '@convoy/http';
import { describeConfigIssues } from '@convoy/schemas';
import { z } from 'zod';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_API_PORT = 3000;
export const DEFAULT_ARTIFACTS_DIR = './var/artifacts';
export const DEFAULT_BODY_LIMIT = '256kb';
export const DEFAULT_SSE_HEARTBEAT_MS = 15_000;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A bearer token as RFC 6750 allows it (b64token), so it survives an Authorization header. */
const tokenSchema = z
  .string()
  .regex(/^[A-Za-z0-9\-._~+/]+=*$/, 'API_TOKEN may use letters, digits and -._~+/ (then =)')
  .max(1024);

/**
 * Everything createApi needs. Environment variables map onto it in loadConfig; the options
 * without a variable (queuePrefix, bodyLimit, sseHeartbeatMs) exist for tests and embedding.
 */
export const apiConfigSchema = z
  .strictObject({
    redisUrl: z
      .string()
      .regex(/^rediss?:\/\//, 'REDIS_URL must start with redis:// or rediss://')
      .default(DEFAULT_REDIS_URL),
    port: z.coerce.number().int().min(0).max(65_535).default(DEFAULT_API_PORT),
    /** Default: 127.0.0.1 without a token, 0.0.0.0 with one. */
    host: z.string().min(1).optional(),
    /** When set, every /v1 and /admin/queues request needs `Authorization: Bearer <token>`. */
    token: tokenSchema.optional(),
    artifactsDir: z.string().min(1).default(DEFAULT_ARTIFACTS_DIR),
    /** BullMQ key prefix (default BullMQ's `bull`); tests use a unique one each. */
    queuePrefix: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,100}$/)
      .optional(),
    /** Largest JSON request body, in express.json's notation (`256kb`). */
    bodyLimit: z
      .string()
      .regex(/^\d+(b|kb|mb)$/i)
      .default(DEFAULT_BODY_LIMIT),
    /** Interval of the SSE comment lines that keep idle event streams open through proxies. */
    sseHeartbeatMs: z.int().min(10).max(300_000).default(DEFAULT_SSE_HEARTBEAT_MS),
    /** How long createApi waits for Redis before starting without it. */
    startupTimeoutMs: z.int().min(0).max(600_000).default(5_000),
    logLevel: z.enum(LOG_LEVELS).default('info'),
    /** Include error stacks in 500 responses: development only, never in production. */
    exposeErrorStacks: z.boolean().default(false),
  })
  .transform((config) => ({
    ...config,
    host: config.host ?? (config.token === undefined ? '127.0.0.1' : '0.0.0.0'),
  }))
  .superRefine((config, context) => {
    if (config.token === undefined && !isLoopbackHost(config.host)) {
      context.addIssue({
        code: 'custom',
        path: ['host'],
        message: `API_HOST ${config.host} is reachable from other machines: set API_TOKEN, or listen on 127.0.0.1`,
      });
    }
  });

export type ApiConfig = z.output<typeof apiConfigSchema>;
export type ApiConfigInput = z.input<typeof apiConfigSchema>;

/** The configuration is unusable; the message names the variables to fix. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the options object (with defaults) and refuses a reachable host without a token. */
export function createConfig(input: ApiConfigInput = {}): ApiConfig {
  const parsed = apiConfigSchema.safeParse(input);
  if (!parsed.success) {
    const problems = describeConfigIssues(parsed.error, ENV_NAMES);
    throw new ConfigError(`invalid API configuration: ${problems}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

const ENV_NAMES: Record<string, string> = {
  redisUrl: 'REDIS_URL',
  port: 'API_PORT',
  host: 'API_HOST',
  token: 'API_TOKEN',
  artifactsDir: 'ARTIFACTS_DIR',
  logLevel: 'LOG_LEVEL',
  queuePrefix: 'CONVOY_QUEUE_PREFIX',
};

/** Reads the API's environment variables (empty ones count as unset); main.ts calls it once. */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: ApiConfigInput = {},
): ApiConfig {
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const fromEnv: ApiConfigInput = {
    redisUrl: read('REDIS_URL'),
    port: read('API_PORT'),
    host: read('API_HOST'),
    token: read('API_TOKEN'),
    artifactsDir: read('ARTIFACTS_DIR'),
    logLevel: read('LOG_LEVEL') as ApiConfigInput['logLevel'],
    // Not in DESIGN.md's contract: isolates a stack's queues in a shared Redis (tests use it).
    queuePrefix: read('CONVOY_QUEUE_PREFIX'),
    exposeErrorStacks: read('NODE_ENV') === 'development',
  };
  const defined = Object.fromEntries(
    Object.entries({ ...fromEnv, ...overrides }).filter(([, value]) => value !== undefined),
  );
  return createConfig(defined);
}

export { isLoopbackHost };
