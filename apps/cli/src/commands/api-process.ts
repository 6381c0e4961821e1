import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConvoyClient } from '@convoy/client';

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
