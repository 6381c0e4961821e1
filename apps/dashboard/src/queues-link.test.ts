import { describe, expect, it } from 'vitest';
import { createConfig, queuesLinkOf } from './config.js';

describe("the navigation's Queues link", () => {
  it("points at the API's bull-board when browser, dashboard and API share a loopback host", () => {
    expect(queuesLinkOf(createConfig({ apiUrl: 'http://127.0.0.1:3000' }))).toBe(
      'http://127.0.0.1:3000/admin/queues',
    );
    expect(queuesLinkOf(createConfig({ apiUrl: 'http://[::1]:3000/' }))).toBe(
      'http://[::1]:3000/admin/queues',
    );
  });

  it('is absent when the browser may not reach the API, unless QUEUES_URL names it', () => {
    expect(queuesLinkOf(createConfig({ apiUrl: 'http://api:3000' }))).toBeUndefined();
    expect(
      queuesLinkOf(createConfig({ apiUrl: 'http://127.0.0.1:3000', host: '0.0.0.0' })),
    ).toBeUndefined();
    const configured = createConfig({
      apiUrl: 'http://api:3000',
      queuesUrl: 'https://queues.example.org/admin/queues',
    });
    expect(queuesLinkOf(configured)).toBe('https://queues.example.org/admin/queues');
    expect(() => createConfig({ queuesUrl: 'javascript:alert(1)' })).toThrow(/QUEUES_URL/);
  });
});
