import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import {
  apiTokenSchema,
  backendRequestSchema,
  configFromEnvironment,
  parseConfig,
  redisUrlSchema,
  trainingThreadsEnvSchema,
} from '@convoy/schemas';

/** Everything the CLI's commands need; loadConfig maps the environment onto it. */
export const cliConfigSchema = z
  .strictObject({
    dataDir: z
      .string()
      .min(1)
      .default('./var/data')
      .transform((path) => resolve(path)),
    /** The official gzipped IDX files, used instead of the embedded data set. */
    officialDataDir: z
      .string()
      .min(1)
      .transform((path) => resolve(path))
      .optional(),
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
  dataDir: 'DATA_DIR',
  officialDataDir: 'FASHION_MNIST_DIR',
  backend: 'CONVOY_BACKEND',
  apiUrl: 'API_URL',
  redisUrl: 'REDIS_URL',
  apiToken: 'API_TOKEN',
  trainingThreads: 'TRAINING_THREADS',
} as const;

export function createConfig(input: CliConfigInput = {}): CliConfig {
  return parseConfig(cliConfigSchema, input, 'CLI', ENVIRONMENT_NAMES);
}

/** Reads the environment once; every command gets the parsed result. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): CliConfig {
  return createConfig(configFromEnvironment(env, ENVIRONMENT_NAMES));
}
