import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.js';
import { waitUntil } from './processes.js';

const run = promisify(execFile);

export interface LocalRedisServer {
  readonly port: number;
  readonly url: string;
  /** Kills the server as an operator or the OOM killer would (SIGKILL by default). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /**
   * Starts it again (unless it runs) on the same port and data directory: what the append-only
   * file kept is back.
   */
  restart(): Promise<void>;
  /** Stops it for good and removes its data directory. */
  stop(): Promise<void>;
}

/**
 * A Redis server of the test's own (Debian's redis-server) on a free loopback port, so a test can
 * take it away without touching the shared one. The append-only file is fsynced on every write, so
 * the queue survives `kill -9` as it does in compose (AOF on a volume).
 */
export async function startRedisServer(): Promise<LocalRedisServer> {
  const directory = await mkdtemp(join(tmpdir(), 'convoy-redis-'));
  const port = await freePort();
  const args = [
    ...['--port', String(port), '--bind', '127.0.0.1', '--dir', directory, '--save', ''],
    ...['--appendonly', 'yes', '--appendfsync', 'always'],
  ];
  let server: ChildProcess | null = null;
  const ping = () =>
    run('redis-cli', ['-p', String(port), 'ping']).then(
      ({ stdout }) => (stdout.trim() === 'PONG' ? true : undefined),
      () => undefined,
    );
  const isRunning = (child: ChildProcess | null): child is ChildProcess =>
    child !== null && child.exitCode === null && child.signalCode === null;
  const start = async () => {
    if (isRunning(server)) return;
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    server = child;
    await waitUntil(
      async () => {
        if (!isRunning(child)) throw new Error(`redis-server on port ${port} exited at start`);
        return ping();
      },
      10_000,
      `redis-server on port ${port}`,
    );
  };
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const current = server;
    server = null;
    if (!isRunning(current)) return;
    const exited = new Promise((resolve) => current.once('exit', resolve));
    current.kill(signal);
    await exited;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    restart: start,
    async stop() {
      await kill('SIGTERM');
      await rm(directory, { recursive: true, force: true });
    },
  };
}
