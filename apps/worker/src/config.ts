import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ARTIFACT_STORE_ENVIRONMENT, artifactStoreConfigOptions } from '@convoy/storage';
import {
  backendRequestSchema,
  configReader,
  DATA_DIRECTORY_NAMES,
  dataDirectoryOptions,
  JOB_TYPES,
  logLevelSchema,
  maxJobMemoryMbSchema,
  queuePrefixSchema,
  redisClusterNodesSchema,
  redisUrlSchema,
  refineClusterQueuePrefix,
  trainingThreadsEnvSchema,
} from '@convoy/schemas';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** `train,visualize` or an array of job types; duplicates dropped. */
const queuesSchema = z
  .union([z.string(), z.array(z.string())])
  .transform((value) =>
    (typeof value === 'string' ? value.split(',') : value)
      .map((name) => name.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.enum(JOB_TYPES)).min(1))
  .transform((queues) => [...new Set(queues)]);

/** Everything createWorker needs; loadConfig maps the environment onto it. */
export const workerConfigSchema = z
  .strictObject({
    redisUrl: redisUrlSchema.default('redis://127.0.0.1:6379'),
    /** Seed nodes of a Redis Cluster; REDIS_URL then only lends its credentials and TLS. */
    redisClusterNodes: redisClusterNodesSchema.optional(),
    artifactsDir: z
      .string()
      .min(1)
      .default('./var/artifacts')
      .transform((path) => resolve(path)),
    /** ARTIFACTS_URL (file:// or s3://), S3_ENDPOINT, S3_FORCE_PATH_STYLE: where artifacts live. */
    ...artifactStoreConfigOptions,
    ...dataDirectoryOptions,
    backend: backendRequestSchema.default('auto'),
    queues: queuesSchema.default(['train', 'visualize', 'sweep']),
    concurrency: positiveInt(1),
    /** Threads per training job (data-parallel on wasm); default: the cores shared by the concurrent jobs. */
    trainingThreads: trainingThreadsEnvSchema,
    lockDurationMs: positiveInt(30_000),
    stalledIntervalMs: positiveInt(30_000),
    maxStalledCount: positiveInt(3),
    /** The memory bound a training job's estimate must fit (as at the API, for jobs queued around it). */
    maxJobMemoryMb: maxJobMemoryMbSchema,
    /** How long an artifact upload is retried while the store is down before the job fails (transient). */
    uploadRetryMs: positiveInt(60_000),
    /** BullMQ key prefix; unset means BullMQ's default (`{convoy}` on a cluster). */
    queuePrefix: queuePrefixSchema.optional(),
    logLevel: logLevelSchema.default('info'),
    /** Port of the health endpoints (/healthz, /readyz); unset: no server. */
    healthPort: z.coerce.number().int().min(0).max(65_535).optional(),
    /** In a pod the kubelet probes the pod's IP, so manifests set 0.0.0.0. */
    healthHost: z.string().min(1).default('127.0.0.1'),
    /**
     * How long a stopping worker may take to checkpoint and close before /healthz calls it wedged;
     * a deployment's grace period (terminationGracePeriodSeconds, stop_grace_period) must exceed it.
     */
    shutdownTimeoutMs: positiveInt(90_000),
    /**
     * The default visualizations a job's page shows, computed by the worker that trained the job:
     * `all` (as checkpoints land and, the confusion matrix included, before the job completes),
     * `cheap` (no confusion matrix), `off` (computed on first view, by visualize jobs).
     */
    precompute: z.enum(['all', 'cheap', 'off']).default('all'),
  })
  .superRefine(refineClusterQueuePrefix)
  .transform((config) => ({
    ...config,
    trainingThreads:
      config.trainingThreads ??
      Math.max(1, Math.floor(availableParallelism() / config.concurrency)),
  }));

export type WorkerConfig = z.output<typeof workerConfigSchema>;
export type WorkerConfigInput = z.input<typeof workerConfigSchema>;

const ENVIRONMENT_NAMES = {
  redisUrl: 'REDIS_URL',
  redisClusterNodes: 'REDIS_CLUSTER_NODES',
  ...ARTIFACT_STORE_ENVIRONMENT,
  ...DATA_DIRECTORY_NAMES,
  backend: 'CONVOY_BACKEND',
  queues: 'WORKER_QUEUES',
  concurrency: 'WORKER_CONCURRENCY',
  trainingThreads: 'TRAINING_THREADS',
  maxJobMemoryMb: 'MAX_JOB_MEMORY_MB',
  // Not in the documented contract: tuning and isolation knobs, for tests and operators.
  lockDurationMs: 'WORKER_LOCK_DURATION_MS',
  stalledIntervalMs: 'WORKER_STALLED_INTERVAL_MS',
  maxStalledCount: 'WORKER_MAX_STALLED_COUNT',
  uploadRetryMs: 'WORKER_UPLOAD_RETRY_MS',
  queuePrefix: 'CONVOY_QUEUE_PREFIX',
  logLevel: 'LOG_LEVEL',
  healthPort: 'WORKER_HEALTH_PORT',
  healthHost: 'WORKER_HEALTH_HOST',
  shutdownTimeoutMs: 'WORKER_SHUTDOWN_TIMEOUT_MS',
  precompute: 'WORKER_PRECOMPUTE',
} as const;

export const {
  createConfig,
  loadConfig,
  environmentVariables: WORKER_ENVIRONMENT_VARIABLES,
} = configReader(workerConfigSchema, 'worker', ENVIRONMENT_NAMES);
