import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The converted data set is shared by every test run of this clone (converting takes seconds). */
export const DATA_DIR = process.env.DATA_DIR ?? join(ROOT, 'var/data');

export interface RunningProcess {
  readonly child: ChildProcess;
  readonly output: string[];
  /** Resolves with the exit code (or the signal name) once the process has ended. */
  readonly exited: Promise<number | string>;
  /** Resolves when a line of output matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export interface StartAppOptions {
  /** The process's working directory, where its relative paths resolve (default: the repository). */
  readonly cwd?: string;
  /** Variables of the test's own environment the process must not inherit. */
  readonly unset?: readonly string[];
  /** Options for Node itself, before the entry point (`--wasm-max-mem-pages=8192`). */
  readonly nodeArgs?: readonly string[];
}

/** Starts a built app (`apps/<name>/dist/main.js`) as a real child process. */
export function startApp(
  name: 'api' | 'worker' | 'dashboard',
  env: Record<string, string>,
  options: StartAppOptions = {},
): RunningProcess {
  const entry = join(ROOT, `apps/${name}/dist/main.js`);
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  const inherited = { ...process.env };
  for (const variable of options.unset ?? []) delete inherited[variable];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), entry], {
    cwd: options.cwd ?? ROOT,
    // Workers precompute no visualizations unless a test asks (WORKER_PRECOMPUTE): the confusion
    // matrix would add seconds to every training job of every test; dashboard-live tests it.
    env: {
      ...inherited,
      LOG_LEVEL: 'info',
      ...(name === 'worker' ? { WORKER_PRECOMPUTE: 'off' } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const waiters = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      output.push(line);
      for (const waiter of waiters) {
        if (waiter.pattern.test(line)) {
          waiters.delete(waiter);
          waiter.resolve(line);
        }
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  return {
    child,
    output,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      const seen = output.find((line) => pattern.test(line));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { pattern, resolve };
        waiters.add(waiter);
        setTimeout(() => {
          if (waiters.delete(waiter))
            reject(
              new Error(
                `no output matching ${pattern} within ${timeoutMs} ms:\n${output.slice(-20).join('\n')}`,
              ),
            );
        }, timeoutMs).unref();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls `probe` until it returns a value other than undefined. */
export async function waitUntil<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
