import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { describeConfigIssues, trainingThreadsEnvSchema } from '@convoy/schemas';
import { z } from 'zod';

const backendRequest = z.enum(['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);

const environmentSchema = z.object({
  DATA_DIR: z.string().min(1).default('./var/data'),
  FASHION_MNIST_DIR: z.string().min(1).optional(),
  CONVOY_BACKEND: backendRequest.default('auto'),
  API_URL: z.string().url().default('http://127.0.0.1:3000'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  API_TOKEN: z.string().min(1).optional(),
  TRAINING_THREADS: trainingThreadsEnvSchema,
});

export interface CliConfig {
  readonly dataDir: string;
  readonly officialDataDir: string | undefined;
  readonly backend: z.infer<typeof backendRequest>;
  readonly apiUrl: string;
  readonly redisUrl: string;
  readonly apiToken: string | undefined;
  /** Threads for local training and benchmarks (data-parallel on wasm); default: every core. */
  readonly trainingThreads: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads the environment once; every command gets the parsed result. */
export function readCliConfig(env: NodeJS.ProcessEnv): CliConfig {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(`invalid environment: ${describeConfigIssues(parsed.error)}`);
  }
  return {
    dataDir: resolve(parsed.data.DATA_DIR),
    officialDataDir:
      parsed.data.FASHION_MNIST_DIR === undefined
        ? undefined
        : resolve(parsed.data.FASHION_MNIST_DIR),
    backend: parsed.data.CONVOY_BACKEND,
    apiUrl: parsed.data.API_URL,
    redisUrl: parsed.data.REDIS_URL,
    apiToken: parsed.data.API_TOKEN,
    trainingThreads: parsed.data.TRAINING_THREADS ?? availableParallelism(),
  };
}
