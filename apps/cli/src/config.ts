import { availableParallelism } from 'node:os';
import { z } from 'zod';
import {
  apiTokenSchema,
  backendRequestSchema,
  configReader,
  DATA_DIRECTORY_NAMES,
  dataDirectoryOptions,
  redisUrlSchema,
  trainingThreadsEnvSchema,
} from '@convoy/schemas';

/** Everything the CLI's commands need; loadConfig maps the environment onto it. */
export const cliConfigSchema = z
  .strictObject({
    ...dataDirectoryOptions,
    backend: backendRequestSchema.default('auto'),
    apiUrl: z.url().default('http://127.0.0.1:3000'),
    redisUrl: redisUrlSchema.default('redis://127.0.0.1:6379'),
    apiToken: apiTokenSchema.optional(),
    /** Threads for local training and benchmarks (data-parallel on wasm); default: every core. */
    trainingThreads: trainingThreadsEnvSchema,
  })
  .transform((config) => ({
    ...config,
    trainingThreads: config.trainingThreads ?? availableParallelism(),
  }));

export type CliConfig = z.output<typeof cliConfigSchema>;
export type CliConfigInput = z.input<typeof cliConfigSchema>;

const ENVIRONMENT_NAMES = {
  ...DATA_DIRECTORY_NAMES,
  backend: 'CONVOY_BACKEND',
  apiUrl: 'API_URL',
  redisUrl: 'REDIS_URL',
  apiToken: 'API_TOKEN',
  trainingThreads: 'TRAINING_THREADS',
} as const;

export const { createConfig, loadConfig } = configReader(cliConfigSchema, 'CLI', ENVIRONMENT_NAMES);
