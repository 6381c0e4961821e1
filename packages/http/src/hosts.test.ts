import { describe, expect, it } from 'vitest';
import { HostAllowList, redactUrl } from './index.js';

describe('HostAllowList', () => {
  const defaults = new HostAllowList({ boundHost: '0.0.0.0' });
  const listed = new HostAllowList({
    boundHost: 'dashboard.internal',
    names: ['convoy.example.com', '.corp.example'],
  });

  it.each([
    ['127.0.0.1:3001', true],
    ['127.0.0.1', true],
    ['[::1]:3001', true],
    ['10.1.2.3:3001', true], // a probe by the pod's address: an address cannot be rebound
    ['localhost:3001', true],
    ['LOCALHOST:3001', true],
    ['evil.example:3001', false],
    ['evil.example', false],
    ['localhost.evil.example', false],
    ['127.0.0.1.nip.io', false],
    ['evil.example@127.0.0.1', false], // not a host
    ['127.0.0.1/x', false],
    ['', false],
    [undefined, false],
  ])('defaults: Host %s → %s', (host, expected) => {
    expect(defaults.allows(host)).toBe(expected);
  });

  it.each([
    ['dashboard.internal:3001', true],
    ['convoy.example.com', true],
    ['corp.example', true],
    ['convoy.corp.example:443', true],
    ['evilcorp.example', false],
    ['convoy.example.com.evil.example', false],
  ])('listed names and the bound host: Host %s → %s', (host, expected) => {
    expect(listed.allows(host)).toBe(expected);
  });

  it.each([
    ['http://127.0.0.1:3001', '127.0.0.1:3001', true],
    ['http://localhost:3001', 'localhost:3001', true],
    ['http://localhost:5173', 'localhost:3001', false], // another local site
    ['http://127.0.0.1:3001', 'localhost:3001', false],
    ['http://evil.example:3001', 'evil.example:3001', false], // DNS rebinding
    ['http://evil.example', '127.0.0.1:3001', false],
    ['https://convoy.example.com', '127.0.0.1:3001', true], // a listed name behind a proxy
    ['https://a.corp.example', 'a.corp.example', true],
    ['null', '127.0.0.1:3001', false],
    ['file://', '127.0.0.1:3001', false],
    ['http://127.0.0.1:3001/path', '127.0.0.1:3001', false],
  ])('Origin %s on Host %s → %s', (origin, host, expected) => {
    expect(listed.allowsOrigin(origin, host)).toBe(expected);
  });
});

describe('redactUrl', () => {
  it.each([
    ['/v1/jobs', '/v1/jobs'],
    ['/v1/jobs?type=train&limit=5', '/v1/jobs?type=train&limit=5'],
    ['/metrics?token=s3cret', '/metrics?token=[redacted]'],
    ['/x?access_token=a&b=1&api%5Fkey=k', '/x?access_token=[redacted]&b=1&api%5Fkey=[redacted]'],
    ['/x?Authorization=Bearer%20x&password=p', '/x?Authorization=[redacted]&password=[redacted]'],
    ['/x?token', '/x?token'],
    ['/v1/jobs/train_a/events?lastEventId=3', '/v1/jobs/train_a/events?lastEventId=3'],
  ])('%s → %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});
