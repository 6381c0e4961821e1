import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, startTestApi, type TestApi } from './api.test-helper.js';

const TOKEN = 'convoy-test-token_0123456789';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({ token: TOKEN, host: '127.0.0.1' });
});
afterAll(async () => {
  await api.stop();
});

/** fetch without the helper's automatic token. */
const get = (path: string, authorization?: string) =>
  fetch(`${api.baseUrl}${path}`, authorization === undefined ? {} : { headers: { authorization } });

describe('bearer token auth (API_TOKEN set)', () => {
  const guarded = [
    '/v1/jobs',
    '/v1/jobs/train_zzzzzzzzzzzz',
    '/admin/queues',
    '/admin/queues/api/queues',
  ];
  const wrong: [string, string | undefined][] = [
    ['no Authorization header', undefined],
    ['an empty header', ''],
    ['a wrong token', 'Bearer not-the-token'],
    ['a token that is a prefix of the right one', `Bearer ${TOKEN.slice(0, -1)}`],
    ['a longer token', `Bearer ${TOKEN}x`],
    ['Basic auth', `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`],
    ['Bearer without a token', 'Bearer'],
    ['the token without the scheme', TOKEN],
    ['two tokens', `Bearer ${TOKEN} ${TOKEN}`],
  ];

  it.each(wrong)('refuses %s with 401 and a Bearer challenge', async (name, authorization) => {
    for (const path of guarded) {
      const queuePage = path.startsWith('/admin/queues');
      // The queue page takes the token as the Basic password too (a browser can send that).
      if (queuePage && name === 'Basic auth') continue;
      const response = await get(path, authorization);
      // With no credentials at all, the queue page asks a browser for them (Basic).
      const challenge =
        queuePage && !authorization ? /^Basic realm="Convoy queues"/ : /^Bearer realm="convoy"/;
      expect(response.headers.get('www-authenticate'), path).toMatch(challenge);
      await expectError(response, 401, 'UNAUTHORIZED');
    }
  });

  it('takes the token as the Basic password on the queue page only', async () => {
    const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;
    expect((await get('/admin/queues', basic(`anyone:${TOKEN}`))).status).toBe(200);
    expect((await get('/admin/queues/api/queues', basic(`:${TOKEN}`))).status).toBe(200);
    for (const wrongBasic of [basic('anyone:nope'), basic(TOKEN), basic(`${TOKEN}:`)]) {
      const refused = await get('/admin/queues', wrongBasic);
      expect(refused.headers.get('www-authenticate')).toMatch(/^Basic realm="Convoy queues"/);
      await expectError(refused, 401, 'UNAUTHORIZED');
    }
    await expectError(await get('/v1/jobs', basic(`anyone:${TOKEN}`)), 401, 'UNAUTHORIZED');
  });

  it('refuses a POST without a token before reading its body', async () => {
    const response = await fetch(`${api.baseUrl}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'not even JSON',
    });
    await expectError(response, 401, 'UNAUTHORIZED');
  });

  it('lets the right token through, the scheme in any case', async () => {
    for (const authorization of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `BEARER  ${TOKEN}`]) {
      const list = await get('/v1/jobs', authorization);
      expect(list.status).toBe(200);
      expect(await list.json()).toEqual({ items: [], nextCursor: null });
    }
    const board = await get('/admin/queues', `Bearer ${TOKEN}`);
    expect(board.status).toBe(200);
    expect(await board.text()).toContain('<base href="/admin/queues/"');
    const unknown = await get('/v1/jobs/train_zzzzzzzzzzzz', `Bearer ${TOKEN}`);
    await expectError(unknown, 404, 'JOB_NOT_FOUND');
  });

  it('keeps /healthz, /metrics and /openapi.json open', async () => {
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/metrics')).status).toBe(200);
    expect((await get('/openapi.json')).status).toBe(200);
  });
});

describe('METRICS_TOKEN', () => {
  const METRICS_TOKEN = 'prometheus-scrape-token_42';
  let withMetricsToken: TestApi;

  beforeAll(async () => {
    withMetricsToken = await startTestApi({
      token: TOKEN,
      metricsToken: METRICS_TOKEN,
      host: '127.0.0.1',
    });
  });
  afterAll(async () => {
    await withMetricsToken.stop();
  });

  const scrape = (authorization?: string) =>
    fetch(
      `${withMetricsToken.baseUrl}/metrics`,
      authorization === undefined ? {} : { headers: { authorization } },
    );

  it('guards /metrics with its own token; the API token works there too', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token', `Bearer ${METRICS_TOKEN}x`]) {
      const response = await scrape(authorization);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="convoy"/);
      await expectError(response, 401, 'UNAUTHORIZED');
    }
    const scraped = await scrape(`Bearer ${METRICS_TOKEN}`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('# TYPE convoy_jobs gauge');
    expect((await scrape(`Bearer ${TOKEN}`)).status).toBe(200);
  });

  it('opens nothing else: the metrics token is refused on /v1 and /admin/queues', async () => {
    for (const path of ['/v1/jobs', '/admin/queues']) {
      const response = await fetch(`${withMetricsToken.baseUrl}${path}`, {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      });
      await expectError(response, 401, 'UNAUTHORIZED');
    }
    expect((await fetch(`${withMetricsToken.baseUrl}/healthz`)).status).toBe(200);
  });
});
