import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.js';
import { waitUntil } from './processes.js';

const run = promisify(execFile);

export interface LocalRedisCluster {
  /** `127.0.0.1:port,…`, as REDIS_CLUSTER_NODES takes it. */
  readonly nodes: string;
  readonly ports: readonly number[];
  stop(): Promise<void>;
}

/**
 * A real Redis Cluster of `masters` nodes on loopback ports (Debian's redis-server and
 * redis-cli), nothing persisted: `redis-server --cluster-enabled yes` per node, then
 * `redis-cli --cluster create`, then waits until every node reports the cluster ok.
 */
export async function startRedisCluster(masters = 3): Promise<LocalRedisCluster> {
  const directory = await mkdtemp(join(tmpdir(), 'convoy-redis-cluster-'));
  const ports: number[] = [];
  for (let index = 0; index < masters; index += 1) ports.push(await freePort());
  const servers: ChildProcess[] = ports.map((port) =>
    spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(directory, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        '2000',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        directory,
      ],
      { stdio: 'ignore' },
    ),
  );
  const stop = async () => {
    for (const server of servers) server.kill('SIGTERM');
    await Promise.all(
      servers.map((server) =>
        server.exitCode === null && server.signalCode === null
          ? new Promise((resolve) => server.once('exit', resolve))
          : undefined,
      ),
    );
    await rm(directory, { recursive: true, force: true });
  };
  try {
    const ping = (port: number) =>
      run('redis-cli', ['-p', String(port), 'ping']).then(
        ({ stdout }) => stdout.trim() === 'PONG',
        () => false,
      );
    await waitUntil(
      async () => ((await Promise.all(ports.map(ping))).every(Boolean) ? true : undefined),
      10_000,
      'the cluster nodes to start',
    );
    await run('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    const clusterOk = (port: number) =>
      run('redis-cli', ['-p', String(port), 'cluster', 'info']).then(
        ({ stdout }) => stdout.includes('cluster_state:ok'),
        () => false,
      );
    await waitUntil(
      async () => ((await Promise.all(ports.map(clusterOk))).every(Boolean) ? true : undefined),
      20_000,
      'the cluster to be ok on every node',
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes: ports.map((port) => `127.0.0.1:${port}`).join(','), ports, stop };
}
