import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { hashTagOf } from '@convoy/schemas';
import { CONVOY_KEY_PREFIX } from './queue-names.js';
import { defaultRedisLogger, RedisErrorLog, type RedisLogger } from './redis-errors.js';

export type RedisRole = 'client' | 'blocking';

/** One Redis server or a Redis Cluster: BullMQ and Convoy's own keys work on either. */
export type RedisConnection = Redis | Cluster;

export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

/**
 * Where Redis is: REDIS_URL, or with REDIS_CLUSTER_NODES the seed nodes of a cluster (the URL then
 * only lends its credentials and TLS to every node).
 */
export interface RedisTarget {
  readonly url: string;
  readonly clusterNodes?: readonly RedisNode[] | undefined;
}

/** ioredis's options, plus where the connection logs its errors. */
export interface RedisConnectionOptions extends RedisOptions {
  /**
   * Receives the connection's errors, rate-limited (see RedisErrorLog); default JSON lines on
   * stderr. `connectionName` (also the name Redis's CLIENT LIST shows) names it in the log.
   */
  readonly logger?: RedisLogger | undefined;
  readonly errorLogIntervalMs?: number | undefined;
}

/**
 * An ioredis connection. Blocking connections (workers, queue events, subscribers) must retry
 * forever, as BullMQ requires; plain clients (the API's queues) fail a command fast when Redis is
 * down, so a request gets an error instead of hanging. Every connection logs its errors through
 * `options.logger`, rate-limited, so an outage is a few lines, not one per reconnect attempt.
 */
export function createRedisConnection(
  url: string,
  role?: RedisRole,
  options?: RedisConnectionOptions,
): Redis;
export function createRedisConnection(
  target: RedisTarget,
  role?: RedisRole,
  options?: RedisConnectionOptions,
): RedisConnection;
export function createRedisConnection(
  target: string | RedisTarget,
  role: RedisRole = 'client',
  options: RedisConnectionOptions = {},
): RedisConnection {
  const { logger, errorLogIntervalMs, ...redisOptions } = options;
  const connection = connect(target, role, redisOptions);
  const log = new RedisErrorLog(
    logger ?? defaultRedisLogger(),
    redisOptions.connectionName ?? role,
    { intervalMs: errorLogIntervalMs },
  );
  connection.on('error', (error: Error) => log.error(error));
  // A cluster relays its nodes' errors under another name.
  if (connection instanceof Cluster)
    connection.on('node error', (error: Error) => log.error(error));
  connection.on('ready', () => log.ready());
  return connection;
}

function connect(
  target: string | RedisTarget,
  role: RedisRole,
  options: RedisOptions,
): RedisConnection {
  const { url, clusterNodes } = typeof target === 'string' ? { url: target } : target;
  const roleOptions = {
    maxRetriesPerRequest: role === 'blocking' ? null : 2,
    enableOfflineQueue: role === 'blocking',
    lazyConnect: false,
    ...options,
  };
  if (clusterNodes === undefined || clusterNodes.length === 0) return new Redis(url, roleOptions);
  const { enableOfflineQueue, lazyConnect, ...nodeOptions } = roleOptions;
  return new Cluster(
    clusterNodes.map((node) => ({ host: node.host, port: node.port })),
    {
      enableOfflineQueue,
      lazyConnect,
      redisOptions: { ...credentialsOf(url), ...nodeOptions },
    },
  );
}

/** The user, password and TLS a redis:// or rediss:// URL carries. */
function credentialsOf(url: string): RedisOptions {
  const parsed = new URL(url);
  return {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** BullMQ's queue prefix on a Redis Cluster when none is configured. */
export const CLUSTER_QUEUE_PREFIX = `{${CONVOY_KEY_PREFIX}}`;

export interface RedisKeyPrefixes {
  /** BullMQ's `prefix` option; undefined keeps BullMQ's default (`bull`). */
  readonly queue: string | undefined;
  /** Convoy's own keys: the job index, cancellations, tombstones. */
  readonly convoy: string;
}

/**
 * Where Convoy's keys live. On a cluster every key — both queues' and Convoy's own — carries one
 * hash tag, so BullMQ's Lua scripts, Convoy's MULTIs and anything spanning the two queues stay in
 * one slot (BullMQ's guidance: a queue prefix in braces). The cost: one master holds the queues,
 * which is far from being Convoy's bottleneck.
 */
export function redisKeyPrefixes(
  queuePrefix: string | undefined,
  cluster: boolean,
): RedisKeyPrefixes {
  const queue = queuePrefix ?? (cluster ? CLUSTER_QUEUE_PREFIX : undefined);
  if (cluster && (queue === undefined || hashTagOf(queue) === undefined)) {
    throw new Error(
      `queue prefix "${queue}" has no hash tag: on a Redis Cluster it must contain one, e.g. {convoy}`,
    );
  }
  return {
    queue,
    convoy: queue === undefined ? CONVOY_KEY_PREFIX : `${queue}:${CONVOY_KEY_PREFIX}`,
  };
}

/** True when Redis at the connection answers PING within `timeoutMs`. */
export async function pingRedis(connection: RedisConnection, timeoutMs = 1000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  // Without the offline queue a command sent while connecting fails at once: wait for readiness.
  const ready =
    connection.status === 'ready'
      ? Promise.resolve()
      : new Promise<void>((resolve) => connection.once('ready', () => resolve()));
  const ping = ready
    .then(() => connection.ping())
    .then(
      (reply) => reply === 'PONG',
      () => false,
    );
  try {
    return await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
