import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@convoy/schemas';
import {
  createConfig,
  DASHBOARD_ENVIRONMENT_VARIABLES,
  isLoopbackHost,
  loadConfig,
} from './config.js';

describe('dashboard configuration', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3001,
      host: '127.0.0.1',
      apiUrl: 'http://127.0.0.1:3000',
      artifactsDir: './var/artifacts',
      logLevel: 'info',
    });
    expect(config.apiToken).toBeUndefined();
  });

  it('reads DASHBOARD_PORT, DASHBOARD_HOST, API_URL, API_TOKEN, ARTIFACTS_DIR and LOG_LEVEL', () => {
    const config = loadConfig({
      DASHBOARD_PORT: '4001',
      DASHBOARD_HOST: '0.0.0.0',
      API_URL: 'http://api:3000/',
      API_TOKEN: 'abc.DEF-123',
      ARTIFACTS_DIR: '/var/convoy/artifacts',
      LOG_LEVEL: 'warn',
      API_PORT: '9999', // the API's, not ours
    });
    expect(config).toMatchObject({
      port: 4001,
      host: '0.0.0.0',
      apiUrl: 'http://api:3000',
      apiToken: 'abc.DEF-123',
      artifactsDir: '/var/convoy/artifacts',
      logLevel: 'warn',
    });
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ API_TOKEN: ' ', DASHBOARD_PORT: '' })).toMatchObject({ port: 3001 });
    expect(loadConfig({ API_TOKEN: '' }).apiToken).toBeUndefined();
  });

  it('reads DASHBOARD_ALLOWED_HOSTS and the server limits, with documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      allowedHosts: [],
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 1_024,
    });
    expect(
      loadConfig({
        DASHBOARD_ALLOWED_HOSTS: 'convoy.example.com,.internal.example',
        DASHBOARD_REQUEST_TIMEOUT_MS: '120000',
        DASHBOARD_KEEP_ALIVE_TIMEOUT_MS: '70000',
        DASHBOARD_MAX_CONNECTIONS: '256',
        API_MAX_CONNECTIONS: '9', // the API's, not ours
      }),
    ).toMatchObject({
      allowedHosts: ['convoy.example.com', '.internal.example'],
      requestTimeoutMs: 120_000,
      keepAliveTimeoutMs: 70_000,
      maxConnections: 256,
    });
    expect(() => loadConfig({ DASHBOARD_ALLOWED_HOSTS: 'a b' })).toThrow(/DASHBOARD_ALLOWED_HOSTS/);
    expect(() => loadConfig({ DASHBOARD_MAX_CONNECTIONS: '-1' })).toThrow(
      /DASHBOARD_MAX_CONNECTIONS/,
    );
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ API_URL: 'ftp://x' })).toThrow(ConfigError);
    expect(() => loadConfig({ API_URL: 'ftp://x' })).toThrow(/API_URL/);
    expect(() => loadConfig({ DASHBOARD_PORT: '70000' })).toThrow(/DASHBOARD_PORT/);
    expect(() => loadConfig({ API_TOKEN: 'has space' })).toThrow(/API_TOKEN/);
    expect(() => createConfig({ logLevel: 'loud' as 'info' })).toThrow(/LOG_LEVEL/);
  });

  it('knows loopback hosts', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1', '[::1]', '127.1.2.3']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of ['0.0.0.0', '::', '192.168.1.2', 'dashboard']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });
});

describe('the documented environment', () => {
  it('lists every variable the dashboard reads in docs/operations.md', async () => {
    const operations = await readFile(
      new URL('../../../docs/operations.md', import.meta.url),
      'utf8',
    );
    for (const variable of DASHBOARD_ENVIRONMENT_VARIABLES) {
      expect(operations, variable).toContain(`\`${variable}\``);
    }
  });
});
