import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@convoy/schemas';
import { loadConfig, WORKER_ENVIRONMENT_VARIABLES } from './config.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      artifactsDir: resolve('./var/artifacts'),
      dataDir: resolve('./var/data'),
      backend: 'auto',
      queues: ['train', 'visualize', 'sweep'],
      concurrency: 1,
      maxJobMemoryMb: 2048,
      logLevel: 'info',
    });
  });

  it('reads the memory bound the API also reads, MAX_JOB_MEMORY_MB', () => {
    expect(loadConfig({ MAX_JOB_MEMORY_MB: '6144' }).maxJobMemoryMb).toBe(6144);
    expect(() => loadConfig({ MAX_JOB_MEMORY_MB: '2GB' })).toThrow(/MAX_JOB_MEMORY_MB/);
    expect(WORKER_ENVIRONMENT_VARIABLES).toContain('MAX_JOB_MEMORY_MB');
  });

  it('reads the queues as a comma list, without duplicates', () => {
    expect(loadConfig({ WORKER_QUEUES: 'visualize, train,visualize' }).queues).toEqual([
      'visualize',
      'train',
    ]);
    expect(loadConfig({ WORKER_QUEUES: 'train,sweep' }).queues).toEqual(['train', 'sweep']);
    expect(() => loadConfig({ WORKER_QUEUES: 'train,predict' })).toThrow(/WORKER_QUEUES/);
  });

  it('gives each concurrent training job its share of the cores by default', () => {
    const cores = availableParallelism();
    expect(loadConfig({}).trainingThreads).toBe(cores);
    expect(loadConfig({ TRAINING_THREADS: '' }).trainingThreads).toBe(cores);
    expect(loadConfig({ WORKER_CONCURRENCY: String(cores * 2) }).trainingThreads).toBe(1);
  });

  it('takes TRAINING_THREADS as given, and refuses what is not a positive whole number', () => {
    expect(loadConfig({ TRAINING_THREADS: '3' }).trainingThreads).toBe(3);
    for (const bad of ['0', '-2', '1.5', 'many']) {
      expect(() => loadConfig({ TRAINING_THREADS: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ TRAINING_THREADS: bad })).toThrow(/TRAINING_THREADS/);
    }
  });

  it('reads Redis Cluster seed nodes and insists on a hash-tagged queue prefix there', () => {
    const config = loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-b:7001,[::1]:7002' });
    expect(config.redisClusterNodes).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-b', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    expect(loadConfig({}).redisClusterNodes).toBeUndefined();
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'redis-a' })).toThrow(/REDIS_CLUSTER_NODES/);
    expect(() =>
      loadConfig({ REDIS_CLUSTER_NODES: 'a:7000', CONVOY_QUEUE_PREFIX: 'jobs' }),
    ).toThrow(/CONVOY_QUEUE_PREFIX: .*hash tag/);
    expect(
      loadConfig({ REDIS_CLUSTER_NODES: 'a:7000', CONVOY_QUEUE_PREFIX: 'jobs-{eu}' }).queuePrefix,
    ).toBe('jobs-{eu}');
  });

  it('reads where artifacts live: ARTIFACTS_URL with the S3 settings, checked at start', () => {
    expect(
      loadConfig({
        ARTIFACTS_URL: 's3://convoy/runs',
        S3_ENDPOINT: 'http://minio:9000',
        S3_FORCE_PATH_STYLE: 'true',
      }),
    ).toMatchObject({
      artifactsUrl: 's3://convoy/runs',
      s3Endpoint: 'http://minio:9000',
      s3ForcePathStyle: true,
    });
    expect(loadConfig({}).artifactsUrl).toBeUndefined();
    expect(() => loadConfig({ ARTIFACTS_URL: 'ftp://x/y' })).toThrow(/ARTIFACTS_URL/);
    expect(() => loadConfig({ ARTIFACTS_URL: 'file://relative' })).toThrow(ConfigError);
    expect(() => loadConfig({ S3_FORCE_PATH_STYLE: 'yes' })).toThrow(/S3_FORCE_PATH_STYLE/);
  });
});

describe('health endpoint settings', () => {
  it('start no server by default, and listen on loopback when a port is given', () => {
    expect(loadConfig({})).toMatchObject({ healthHost: '127.0.0.1', shutdownTimeoutMs: 90_000 });
    expect(loadConfig({}).healthPort).toBeUndefined();
    expect(loadConfig({ WORKER_HEALTH_PORT: '' }).healthPort).toBeUndefined();
    expect(
      loadConfig({
        WORKER_HEALTH_PORT: '8081',
        WORKER_HEALTH_HOST: '0.0.0.0',
        WORKER_SHUTDOWN_TIMEOUT_MS: '100000',
      }),
    ).toMatchObject({ healthPort: 8081, healthHost: '0.0.0.0', shutdownTimeoutMs: 100_000 });
  });

  it('refuses a port or a shutdown bound that is not a number in range', () => {
    expect(() => loadConfig({ WORKER_HEALTH_PORT: '70000' })).toThrow(/WORKER_HEALTH_PORT/);
    expect(() => loadConfig({ WORKER_HEALTH_PORT: 'http' })).toThrow(/WORKER_HEALTH_PORT/);
    expect(() => loadConfig({ WORKER_SHUTDOWN_TIMEOUT_MS: '0' })).toThrow(
      /WORKER_SHUTDOWN_TIMEOUT_MS/,
    );
  });
});

describe('WORKER_ENVIRONMENT_VARIABLES', () => {
  it('lists every variable loadConfig reads, and only those', () => {
    expect(WORKER_ENVIRONMENT_VARIABLES).toContain('REDIS_CLUSTER_NODES');
    expect(WORKER_ENVIRONMENT_VARIABLES).toContain('ARTIFACTS_URL');
    expect(WORKER_ENVIRONMENT_VARIABLES).toContain('CONVOY_BACKEND');
    expect(WORKER_ENVIRONMENT_VARIABLES).toEqual(
      expect.arrayContaining([
        'WORKER_HEALTH_PORT',
        'WORKER_HEALTH_HOST',
        'WORKER_SHUTDOWN_TIMEOUT_MS',
      ]),
    );
    expect(WORKER_ENVIRONMENT_VARIABLES).not.toContain('API_TOKEN');
    // A variable that is not listed is ignored: the list is the whole contract.
    const unlisted = loadConfig({ WORKER_CONCURRENCY_TYPO: '4' });
    expect(unlisted.concurrency).toBe(1);
    expect(loadConfig({ WORKER_CONCURRENCY: '4' }).concurrency).toBe(4);
  });
});
