import { Redis, type RedisOptions } from 'ioredis';

export type RedisRole = 'client' | 'blocking';

/**
 * An ioredis connection from REDIS_URL. Blocking connections (workers, queue events, subscribers)
 * must retry forever, as BullMQ requires; plain clients (the API's queues) fail a command fast when
 * Redis is down, so a request gets an error instead of hanging.
 */
export function createRedisConnection(
  redisUrl: string,
  role: RedisRole = 'client',
  options: RedisOptions = {},
): Redis {
  return new Redis(redisUrl, {
    maxRetriesPerRequest: role === 'blocking' ? null : 2,
    enableOfflineQueue: role === 'blocking',
    lazyConnect: false,
    ...options,
  });
}

/** True when Redis at the connection answers PING within `timeoutMs`. */
export async function pingRedis(connection: Redis, timeoutMs = 1000): Promise<boolean> {
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
