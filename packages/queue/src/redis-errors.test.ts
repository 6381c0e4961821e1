import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createRedisConnection } from './redis-connection.js';
import { RedisErrorLog, redisErrorReason, type RedisLogger } from './redis-errors.js';

interface Line {
  level: 'warn' | 'info';
  details: Record<string, unknown>;
  message: string;
}

function recordingLogger(): RedisLogger & { lines: Line[] } {
  const lines: Line[] = [];
  return {
    lines,
    warn: (details, message) => lines.push({ level: 'warn', details: { ...details }, message }),
    info: (details, message) => lines.push({ level: 'info', details: { ...details }, message }),
  };
}

const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });

/** A loopback port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

describe('RedisErrorLog', () => {
  it('logs the first error of a reason at once, counts repeats, and reports the count with the next line', () => {
    const logger = recordingLogger();
    let now = 0;
    const log = new RedisErrorLog(logger, 'test:conn', { intervalMs: 30_000, now: () => now });
    log.error(refused());
    for (now = 100; now < 29_000; now += 500) log.error(refused());
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatchObject({
      level: 'warn',
      message: 'redis error',
      details: { redis: 'test:conn', reason: 'ECONNREFUSED', suppressed: 0 },
    });
    now = 30_000;
    log.error(refused());
    expect(logger.lines).toHaveLength(2);
    expect(logger.lines[1]?.details).toMatchObject({ reason: 'ECONNREFUSED', suppressed: 58 });
  });

  it('keeps reasons apart, and says once when the connection is ready again', () => {
    const logger = recordingLogger();
    const log = new RedisErrorLog(logger, 'test:conn', { now: () => 0 });
    log.ready(); // the first connect: nothing to report
    log.error(refused());
    log.error(new Error('Connection is closed.'));
    log.error(refused());
    expect(logger.lines.map((line) => line.details.reason)).toEqual([
      'ECONNREFUSED',
      'Connection is closed.',
    ]);
    log.ready();
    expect(logger.lines[2]).toMatchObject({
      level: 'info',
      message: 'redis connection ready again',
      details: { redis: 'test:conn', errors: 3 },
    });
    // The next outage is logged at once, even within the interval.
    log.error(refused());
    expect(logger.lines).toHaveLength(4);
  });

  it('names a reason by its system code, else its message', () => {
    expect(redisErrorReason(refused())).toBe('ECONNREFUSED');
    expect(redisErrorReason(new Error('READONLY'))).toBe('READONLY');
    expect(redisErrorReason('text')).toBe('text');
  });
});

describe('createRedisConnection error logging', () => {
  it('listens to a real connection’s errors and logs each reason once while Redis is away', async () => {
    const logger = recordingLogger();
    const port = await closedPort();
    const connection = createRedisConnection(`redis://127.0.0.1:${port}`, 'blocking', {
      connectionName: 'test:nothing-there',
      logger,
      retryStrategy: () => 50, // reconnect every 50 ms: dozens of errors in the wait below
    });
    const errors: Error[] = [];
    connection.on('error', (error: Error) => errors.push(error));
    try {
      await sleep(1500);
      expect(errors.length).toBeGreaterThan(10);
      expect(logger.lines).toHaveLength(1);
      expect(logger.lines[0]?.details).toMatchObject({
        redis: 'test:nothing-there',
        reason: 'ECONNREFUSED',
      });
    } finally {
      connection.disconnect();
    }
  });
});
