import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConvoyClient } from '@convoy/client';
import { createRedisConnection, removeQueuePrefix } from '@convoy/queue';

export interface BenchApi {
  readonly url: string;
  /** The API's process id (its CPU time is read from /proc). */
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * A built API (`<checkout>/apps/api/dist/main.js`) as a child process on a free port of
 * 127.0.0.1, run from its checkout, with no token; resolves once /healthz says ok. `env` gives
 * the rest (the benchmarks' throwaway queue prefix and artifacts directory).
 */
export async function startApi(
  entry: string,
  env: Record<string, string>,
  readyWithinMs = 30_000,
): Promise<BenchApi> {
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npx turbo run build\` first`);
  const port = await freePort();
  const child = spawn(process.execPath, [entry], {
    cwd: resolve(dirname(entry), '../../..'),
    // API_TOKEN empty counts as unset: this API is reachable from this machine only.
    env: { ...process.env, ...env, API_PORT: String(port), API_HOST: '127.0.0.1', API_TOKEN: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr.setEncoding('utf8').on('data', (text: string) => stderr.push(text));
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const url = `http://127.0.0.1:${port}`;
  const client = new ConvoyClient({ baseUrl: url, retry: false, timeoutMs: 2_000 });
  const deadline = Date.now() + readyWithinMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`the API exited with ${child.exitCode}: ${stderr.join('').trim()}`);
    }
    const health = await client.health().catch(() => undefined);
    if (health?.status === 'ok') return { url, pid: child.pid ?? 0, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the API did not become healthy within ${readyWithinMs} ms`);
    }
    await sleep(100);
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** A built app as a child process; its stdout lines are kept (the worker's log is read). */
export function startAppProcess(entry: string, cwd: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [entry], {
    cwd,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  child.stdout?.setEncoding('utf8').on('data', (text: string) => lines.push(...text.split('\n')));
  child.stderr?.setEncoding('utf8').on('data', (text: string) => lines.push(...text.split('\n')));
  const exited = once(child, 'exit');
  return {
    lines,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export type AppProcess = ReturnType<typeof startAppProcess>;

/** An API and its workers on a throwaway queue prefix and artifacts directory (benchmarks). */
export interface BenchStack {
  /** What every process of the stack gets: Redis, the prefix, the artifacts, the data. */
  readonly env: { readonly ARTIFACTS_DIR: string } & Readonly<Record<string, string>>;
  readonly api: BenchApi;
  readonly workers: readonly AppProcess[];
  /** Stops the workers and the API, then removes the prefix's keys and the artifacts. */
  stop(): Promise<void>;
}

export async function startBenchStack(options: {
  readonly name: string;
  /** The checkout whose built apps run. */
  readonly root: string;
  readonly redisUrl: string;
  readonly dataDir: string;
  readonly workers: number;
  readonly workerEnv: Readonly<Record<string, string>>;
}): Promise<BenchStack> {
  const scratch = await mkdtemp(join(tmpdir(), `convoy-bench-${options.name}-`));
  const prefix = `bench-${randomUUID()}`;
  const env = {
    REDIS_URL: options.redisUrl,
    CONVOY_QUEUE_PREFIX: prefix,
    ARTIFACTS_DIR: join(scratch, 'artifacts'),
    DATA_DIR: options.dataDir,
  };
  const api = await startApi(join(options.root, 'apps/api/dist/main.js'), env);
  const workers = Array.from({ length: options.workers }, () =>
    startAppProcess(join(options.root, 'apps/worker/dist/main.js'), options.root, {
      ...env,
      ...options.workerEnv,
    }),
  );
  return {
    env,
    api,
    workers,
    async stop() {
      await Promise.all(workers.map((worker) => worker.stop()));
      await api.stop();
      const connection = createRedisConnection(options.redisUrl, 'blocking');
      await removeQueuePrefix(connection, prefix).catch(() => undefined);
      await connection.quit();
      await rm(scratch, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}
