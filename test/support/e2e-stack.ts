import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedisConnection, removeQueuePrefix } from '@convoy/queue';
import { isTerminalState, jobViewSchema, type JobView } from '@convoy/schemas';
import { apiCalls } from './api-calls.js';
import { freePort } from './ports.js';
import { DATA_DIR, REDIS_URL, startApp, waitUntil, type RunningProcess } from './processes.js';

export interface E2eStackOptions {
  /** Names the temporary ARTIFACTS_DIR (`convoy-<name>-…`). */
  readonly name: string;
  /** Environment every process of the stack gets besides Redis, the prefix and the artifacts. */
  readonly env?: Readonly<Record<string, string>> | undefined;
}

/**
 * An API process with its own queue prefix, temporary artifacts and bearer token, and the workers
 * a test starts beside it: what end-to-end tests share. stop() kills every process and removes
 * the prefix's keys and the artifacts.
 */
export interface E2eStack {
  readonly prefix: string;
  readonly artifactsDir: string;
  readonly baseUrl: string;
  readonly token: string;
  /** Environment shared by the stack's processes (Redis, prefix, artifacts, data, token). */
  readonly env: Readonly<Record<string, string>>;
  /** fetch() calls with the token: `call(method, path, body)` → `{ status, body }`. */
  readonly api: ReturnType<typeof apiCalls>;
  /** GET /v1/jobs/:id, checked against the job view schema. */
  view(id: string): Promise<JobView>;
  /** Polls the job until it is completed, failed or cancelled. */
  finished(id: string, timeoutMs?: number): Promise<JobView>;
  /**
   * A worker on the stack (wasm, a short lock so a killed worker's job is handed over in seconds);
   * `env` adds or overrides variables.
   */
  startWorker(env?: Readonly<Record<string, string>>): RunningProcess;
  readonly processes: readonly RunningProcess[];
  stop(): Promise<void>;
}

export async function startE2eStack(options: E2eStackOptions): Promise<E2eStack> {
  const prefix = `test-${randomUUID()}`;
  const token = `test-token-${randomUUID()}`;
  const artifactsDir = await mkdtemp(join(tmpdir(), `convoy-${options.name}-`));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env = {
    REDIS_URL,
    CONVOY_QUEUE_PREFIX: prefix,
    ARTIFACTS_DIR: artifactsDir,
    DATA_DIR,
    API_TOKEN: token,
    ...options.env,
  };
  const processes: RunningProcess[] = [
    startApp('api', { ...env, API_PORT: String(port), API_HOST: '127.0.0.1' }),
  ];
  const api = apiCalls(baseUrl, { authorization: `Bearer ${token}` });
  const view = async (id: string) =>
    jobViewSchema.parse((await api.call<unknown>('GET', `/v1/jobs/${id}`)).body);
  const stack: E2eStack = {
    prefix,
    artifactsDir,
    baseUrl,
    token,
    env,
    api,
    view,
    finished: (id, timeoutMs = 300_000) =>
      waitUntil(
        async () => {
          const current = await view(id);
          return isTerminalState(current.state) ? current : undefined;
        },
        timeoutMs,
        `job ${id} to finish`,
      ),
    startWorker(extra = {}) {
      const worker = startApp('worker', {
        ...env,
        CONVOY_BACKEND: 'wasm',
        WORKER_LOCK_DURATION_MS: '4000',
        WORKER_STALLED_INTERVAL_MS: '2000',
        ...extra,
      });
      processes.push(worker);
      return worker;
    },
    processes,
    async stop() {
      await Promise.all(processes.map((process) => process.stop('SIGKILL')));
      const connection = createRedisConnection(REDIS_URL, 'blocking');
      await removeQueuePrefix(connection, prefix);
      await connection.quit();
      await rm(artifactsDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
  try {
    await waitUntil(
      async () => ((await fetch(`${baseUrl}/healthz`).catch(() => null))?.ok ? true : undefined),
      30_000,
      'the API',
    );
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}
