import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { BACKEND_REQUESTS, type BackendRequest } from '@convoy/backend';
import {
  describeConfigIssues,
  JOB_TYPES,
  trainingThreadsEnvSchema,
  type JobType,
} from '@convoy/schemas';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const environmentSchema = z.object({
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  ARTIFACTS_DIR: z.string().min(1).default('./var/artifacts'),
  DATA_DIR: z.string().min(1).default('./var/data'),
  FASHION_MNIST_DIR: z.string().min(1).optional(),
  CONVOY_BACKEND: z.enum(BACKEND_REQUESTS as [BackendRequest, ...BackendRequest[]]).default('auto'),
  WORKER_QUEUES: z
    .string()
    .default('train,visualize')
    .transform((value) =>
      value
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(JOB_TYPES)).min(1)),
  WORKER_CONCURRENCY: positiveInt(1),
  /** Threads per training job (data-parallel on wasm); default: the cores shared by the concurrent jobs. */
  TRAINING_THREADS: trainingThreadsEnvSchema,
  // Not in DESIGN.md's contract: tuning and isolation knobs, for tests and operators.
  WORKER_LOCK_DURATION_MS: positiveInt(30_000),
  WORKER_STALLED_INTERVAL_MS: positiveInt(30_000),
  WORKER_MAX_STALLED_COUNT: positiveInt(3),
  CONVOY_QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]+$/)
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface WorkerConfig {
  readonly redisUrl: string;
  readonly artifactsDir: string;
  readonly dataDir: string;
  readonly officialDataDir: string | undefined;
  readonly backend: BackendRequest;
  readonly queues: readonly JobType[];
  readonly concurrency: number;
  readonly trainingThreads: number;
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  readonly maxStalledCount: number;
  /** BullMQ key prefix; unset means BullMQ's default. */
  readonly queuePrefix: string | undefined;
  readonly logLevel: string;
}

export class WorkerConfigError extends Error {
  override readonly name = 'WorkerConfigError';
}

/** Reads and validates the environment once; main.ts passes the result to createWorker. */
export function readWorkerConfig(env: NodeJS.ProcessEnv): WorkerConfig {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    throw new WorkerConfigError(
      `invalid worker environment: ${describeConfigIssues(parsed.error)}`,
    );
  }
  const value = parsed.data;
  return {
    redisUrl: value.REDIS_URL,
    artifactsDir: resolve(value.ARTIFACTS_DIR),
    dataDir: resolve(value.DATA_DIR),
    officialDataDir:
      value.FASHION_MNIST_DIR === undefined ? undefined : resolve(value.FASHION_MNIST_DIR),
    backend: value.CONVOY_BACKEND,
    queues: [...new Set(value.WORKER_QUEUES)],
    concurrency: value.WORKER_CONCURRENCY,
    trainingThreads:
      value.TRAINING_THREADS ??
      Math.max(1, Math.floor(availableParallelism() / value.WORKER_CONCURRENCY)),
    lockDurationMs: value.WORKER_LOCK_DURATION_MS,
    stalledIntervalMs: value.WORKER_STALLED_INTERVAL_MS,
    maxStalledCount: value.WORKER_MAX_STALLED_COUNT,
    queuePrefix: value.CONVOY_QUEUE_PREFIX,
    logLevel: value.LOG_LEVEL,
  };
}
