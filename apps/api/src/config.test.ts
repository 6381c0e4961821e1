import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@convoy/schemas';
import { API_ENVIRONMENT_VARIABLES, createConfig, isLoopbackHost, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has the documented defaults and listens on loopback only without a token', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      port: 3000,
      host: '127.0.0.1',
      artifactsDir: './var/artifacts',
      bodyLimit: '256kb',
      sseHeartbeatMs: 15_000,
      maxJobMemoryMb: 2048,
      logLevel: 'info',
      exposeErrorStacks: false,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 1_024,
      maxEventStreams: 512,
      maxEventStreamsPerClient: 128,
    });
    expect(config.token).toBeUndefined();
    expect(config.metricsToken).toBeUndefined();
    expect(config.allowedHosts).toBeUndefined();
  });

  it('reads the server limits, stream caps, METRICS_TOKEN and API_ALLOWED_HOSTS', () => {
    const config = loadConfig({
      API_REQUEST_TIMEOUT_MS: '60000',
      API_KEEP_ALIVE_TIMEOUT_MS: '65000',
      API_MAX_CONNECTIONS: '4096',
      API_MAX_EVENT_STREAMS: '2000',
      API_MAX_EVENT_STREAMS_PER_CLIENT: '300',
      METRICS_TOKEN: 'scrape-me',
      API_ALLOWED_HOSTS: ' Convoy.Example.com, .corp.example ,10.0.0.7,[::1]',
    });
    expect(config).toMatchObject({
      requestTimeoutMs: 60_000,
      keepAliveTimeoutMs: 65_000,
      maxConnections: 4_096,
      maxEventStreams: 2_000,
      maxEventStreamsPerClient: 300,
      metricsToken: 'scrape-me',
      allowedHosts: ['convoy.example.com', '.corp.example', '10.0.0.7', '::1'],
    });
    expect(() => loadConfig({ API_MAX_CONNECTIONS: '0' })).toThrow(/API_MAX_CONNECTIONS/);
    expect(() => loadConfig({ API_REQUEST_TIMEOUT_MS: 'soon' })).toThrow(/API_REQUEST_TIMEOUT_MS/);
    expect(() => loadConfig({ METRICS_TOKEN: 'two words' })).toThrow(/METRICS_TOKEN/);
    expect(() => loadConfig({ API_ALLOWED_HOSTS: 'evil.example:3000' })).toThrow(
      /API_ALLOWED_HOSTS.*without a port/,
    );
    expect(() => loadConfig({ API_ALLOWED_HOSTS: 'http://x' })).toThrow(/API_ALLOWED_HOSTS/);
  });

  it('reads the environment once, treating empty variables as unset', () => {
    const config = loadConfig({
      REDIS_URL: 'redis://redis:6379/2',
      API_PORT: '8080',
      API_TOKEN: 's3cret-token',
      ARTIFACTS_DIR: '/data/artifacts',
      LOG_LEVEL: 'warn',
      API_HOST: '',
    });
    expect(config).toMatchObject({
      redisUrl: 'redis://redis:6379/2',
      port: 8080,
      token: 's3cret-token',
      host: '0.0.0.0',
      artifactsDir: '/data/artifacts',
      logLevel: 'warn',
    });
    expect(loadConfig({ API_TOKEN: '' }).token).toBeUndefined();
  });

  it('reads the memory bound, MAX_JOB_MEMORY_MB, in whole megabytes', () => {
    expect(loadConfig({ MAX_JOB_MEMORY_MB: '8192' }).maxJobMemoryMb).toBe(8192);
    expect(() => loadConfig({ MAX_JOB_MEMORY_MB: 'lots' })).toThrow(/MAX_JOB_MEMORY_MB/);
    expect(() => loadConfig({ MAX_JOB_MEMORY_MB: '1.5' })).toThrow(/MAX_JOB_MEMORY_MB/);
    expect(() => loadConfig({ MAX_JOB_MEMORY_MB: '0' })).toThrow(/MAX_JOB_MEMORY_MB/);
    expect(API_ENVIRONMENT_VARIABLES).toContain('MAX_JOB_MEMORY_MB');
  });

  it('refuses a host reachable from other machines without a token', () => {
    expect(() => loadConfig({ API_HOST: '0.0.0.0' })).toThrow(ConfigError);
    expect(() => loadConfig({ API_HOST: '0.0.0.0' })).toThrow(/API_HOST.*API_TOKEN/);
    expect(() => loadConfig({ API_HOST: '::' })).toThrow(ConfigError);
    expect(() => loadConfig({ API_HOST: '192.168.1.10' })).toThrow(ConfigError);
    expect(loadConfig({ API_HOST: '0.0.0.0', API_TOKEN: 'token' }).host).toBe('0.0.0.0');
    expect(loadConfig({ API_HOST: 'localhost' }).host).toBe('localhost');
    expect(loadConfig({ API_HOST: '::1' }).host).toBe('::1');
  });

  it('names the variable of a bad value', () => {
    expect(() => loadConfig({ API_PORT: 'eighty' })).toThrow(/API_PORT/);
    expect(() => loadConfig({ API_PORT: '70000' })).toThrow(/API_PORT/);
    expect(() => loadConfig({ REDIS_URL: 'http://x' })).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ API_TOKEN: 'has space' })).toThrow(/API_TOKEN/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
  });

  it('takes test options that have no variable', () => {
    const config = createConfig({ queuePrefix: 'test-x', bodyLimit: '1kb', sseHeartbeatMs: 50 });
    expect(config).toMatchObject({ queuePrefix: 'test-x', bodyLimit: '1kb', sseHeartbeatMs: 50 });
    expect(() => createConfig({ bodyLimit: 'lots' })).toThrow(ConfigError);
  });
});

describe('isLoopbackHost', () => {
  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'example.com', '128.0.0.1']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });
});

describe('the documented environment', () => {
  it('lists every variable the API reads in docs/operations.md', async () => {
    const operations = await readFile(
      new URL('../../../docs/operations.md', import.meta.url),
      'utf8',
    );
    for (const variable of API_ENVIRONMENT_VARIABLES) {
      expect(operations, variable).toContain(`\`${variable}\``);
    }
  });
});
