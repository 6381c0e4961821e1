import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { hashTagOf } from '@convoy/schemas';
import {
  CLUSTER_QUEUE_PREFIX,
  createRedisConnection,
  redisKeyPrefixes,
} from './redis-connection.js';

describe('Redis key prefixes', () => {
  it('keep BullMQ’s default and Convoy’s `convoy` keys on one server', () => {
    expect(redisKeyPrefixes(undefined, false)).toEqual({ queue: undefined, convoy: 'convoy' });
    expect(redisKeyPrefixes('test-a', false)).toEqual({ queue: 'test-a', convoy: 'test-a:convoy' });
  });

  it('put every key under one hash tag on a cluster', () => {
    expect(redisKeyPrefixes(undefined, true)).toEqual({
      queue: CLUSTER_QUEUE_PREFIX,
      convoy: `${CLUSTER_QUEUE_PREFIX}:convoy`,
    });
    expect(hashTagOf(redisKeyPrefixes('test-{x}', true).convoy)).toBe('x');
    expect(() => redisKeyPrefixes('test-a', true)).toThrow(/hash tag/);
    expect(() => redisKeyPrefixes('test-{}', true)).toThrow(/hash tag/);
  });

  it('read a hash tag as Redis does: the first {…} that is not empty', () => {
    expect(hashTagOf('{convoy}:jobs:all')).toBe('convoy');
    expect(hashTagOf('test-{abc}:convoy')).toBe('abc');
    expect(hashTagOf('plain')).toBeUndefined();
    expect(hashTagOf('{}x')).toBeUndefined();
  });
});

describe('createRedisConnection', () => {
  it('makes a Cluster from seed nodes, and a single connection from a URL', () => {
    const cluster = createRedisConnection(
      { url: 'redis://user:secret@127.0.0.1:1', clusterNodes: [{ host: '127.0.0.1', port: 1 }] },
      'blocking',
      { lazyConnect: true },
    );
    const single = createRedisConnection('redis://127.0.0.1:1', 'client', { lazyConnect: true });
    try {
      expect(cluster).toBeInstanceOf(Cluster);
      expect((cluster as Cluster).options.redisOptions).toMatchObject({
        username: 'user',
        password: 'secret',
        maxRetriesPerRequest: null,
      });
      expect(single).toBeInstanceOf(Redis);
      expect(single.options.maxRetriesPerRequest).toBe(2);
    } finally {
      cluster.disconnect();
      single.disconnect();
    }
  });
});
