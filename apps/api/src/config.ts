import { isLoopbackHost } from '@convoy/http';
import { ARTIFACT_STORE_ENVIRONMENT, artifactStoreConfigOptions } from '@convoy/storage';
import {
  allowedHostsSchema,
  apiTokenSchema,
  configReader,
  logLevelSchema,
  maxJobMemoryMbSchema,
  queuePrefixSchema,
  redisClusterNodesSchema,
  redisUrlSchema,
  refineClusterQueuePrefix,
  serverLimitsEnvironment,
  serverLimitsOptions,
} from '@convoy/schemas';
import { z } from 'zod';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_API_PORT = 3000;
export const DEFAULT_ARTIFACTS_DIR = './var/artifacts';
export const DEFAULT_BODY_LIMIT = '256kb';
/** A batch carries up to MAX_BATCH_JOBS jobs: room for 1000 small ones or ~32 with images. */
export const DEFAULT_BATCH_BODY_LIMIT = '8mb';
export const DEFAULT_SSE_HEARTBEAT_MS = 15_000;
export const DEFAULT_MAX_EVENT_STREAMS = 512;
export const DEFAULT_MAX_EVENT_STREAMS_PER_CLIENT = 128;

/**
 * Everything createApi needs. Environment variables map onto it in loadConfig; the options
 * without a variable (queuePrefix, bodyLimit, sseHeartbeatMs) exist for tests and embedding.
 */
export const apiConfigSchema = z
  .strictObject({
    redisUrl: redisUrlSchema.default(DEFAULT_REDIS_URL),
    /** Seed nodes of a Redis Cluster; REDIS_URL then only lends its credentials and TLS. */
    redisClusterNodes: redisClusterNodesSchema.optional(),
    port: z.coerce.number().int().min(0).max(65_535).default(DEFAULT_API_PORT),
    /** Default: 127.0.0.1 without a token, 0.0.0.0 with one. */
    host: z.string().min(1).optional(),
    /** When set, every /v1 and /admin/queues request needs `Authorization: Bearer <token>`. */
    token: apiTokenSchema.optional(),
    /** When set, /metrics needs `Authorization: Bearer <it>` (or the API token). */
    metricsToken: apiTokenSchema.optional(),
    /**
     * Host names the API answers to besides IP addresses, localhost and its bound host. Checked
     * when the API has no token (DNS rebinding could otherwise reach it from a browser) or when set.
     */
    allowedHosts: allowedHostsSchema.optional(),
    ...serverLimitsOptions,
    /** Open event streams at most (503 beyond). */
    maxEventStreams: z.coerce.number().int().min(1).max(100_000).default(DEFAULT_MAX_EVENT_STREAMS),
    /** Open event streams per client address at most (429 beyond). */
    maxEventStreamsPerClient: z.coerce
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(DEFAULT_MAX_EVENT_STREAMS_PER_CLIENT),
    artifactsDir: z.string().min(1).default(DEFAULT_ARTIFACTS_DIR),
    /** ARTIFACTS_URL (file:// or s3://), S3_ENDPOINT, S3_FORCE_PATH_STYLE: where artifacts live. */
    ...artifactStoreConfigOptions,
    /** BullMQ key prefix (default BullMQ's `bull`); tests use a unique one each. */
    queuePrefix: queuePrefixSchema.optional(),
    /** Largest JSON request body, in express.json's notation (`256kb`). */
    bodyLimit: z
      .string()
      .regex(/^\d+(b|kb|mb)$/i)
      .default(DEFAULT_BODY_LIMIT),
    /** Largest body of `POST /v1/jobs:batch` (each job in it is still held to bodyLimit's kinds of checks). */
    batchBodyLimit: z
      .string()
      .regex(/^\d+(b|kb|mb)$/i)
      .default(DEFAULT_BATCH_BODY_LIMIT),
    /** A training job whose estimated memory (estimateTrainingMemory) is over this is refused (400). */
    maxJobMemoryMb: maxJobMemoryMbSchema,
    /** Interval of the SSE comment lines that keep idle event streams open through proxies. */
    sseHeartbeatMs: z.int().min(10).max(300_000).default(DEFAULT_SSE_HEARTBEAT_MS),
    /** How long createApi waits for Redis before starting without it. */
    startupTimeoutMs: z.int().min(0).max(600_000).default(5_000),
    logLevel: logLevelSchema.default('info'),
    /** Include error stacks in 500 responses: development only, never in production. */
    exposeErrorStacks: z.boolean().default(false),
  })
  .transform((config) => ({
    ...config,
    host: config.host ?? (config.token === undefined ? '127.0.0.1' : '0.0.0.0'),
  }))
  .superRefine(refineClusterQueuePrefix)
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

const ENVIRONMENT_NAMES = {
  redisUrl: 'REDIS_URL',
  redisClusterNodes: 'REDIS_CLUSTER_NODES',
  port: 'API_PORT',
  host: 'API_HOST',
  token: 'API_TOKEN',
  metricsToken: 'METRICS_TOKEN',
  allowedHosts: 'API_ALLOWED_HOSTS',
  ...serverLimitsEnvironment('API'),
  maxEventStreams: 'API_MAX_EVENT_STREAMS',
  maxEventStreamsPerClient: 'API_MAX_EVENT_STREAMS_PER_CLIENT',
  ...ARTIFACT_STORE_ENVIRONMENT,
  logLevel: 'LOG_LEVEL',
  maxJobMemoryMb: 'MAX_JOB_MEMORY_MB',
  // Not in the documented contract: isolates a stack's queues in a shared Redis (tests use it).
  queuePrefix: 'CONVOY_QUEUE_PREFIX',
} as const;

/** Parses the options (with defaults) and refuses a reachable host without a token; main.ts reads the environment once. */
export const {
  createConfig,
  loadConfig,
  environmentVariables: API_ENVIRONMENT_VARIABLES,
} = configReader(apiConfigSchema, 'API', ENVIRONMENT_NAMES, {
  variables: ['NODE_ENV'],
  read: (env) => (env.NODE_ENV?.trim() === 'development' ? { exposeErrorStacks: true } : {}),
});

export { isLoopbackHost };
