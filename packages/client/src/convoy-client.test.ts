import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiError,
  ApiUnreachableError,
  ConvoyClient,
  JobNotFoundError,
  UnexpectedResponseError,
} from './index.js';
import {
  jobView,
  sendError,
  sendJson,
  startTestServer,
  type TestServer,
} from './test-server.test-helper.js';

const TOKEN = 'tok-123';
const JOB_ID = 'train_mabc1234def';
const FAST_RETRY = { retries: 2, baseDelayMs: 10, maxDelayMs: 2_000 };

let server: TestServer;
let client: ConvoyClient;

beforeAll(async () => {
  server = await startTestServer();
  client = new ConvoyClient({ baseUrl: `${server.url}/`, token: TOKEN, retry: FAST_RETRY });
});
afterAll(() => server.close());
afterEach(() => {
  server.requests.length = 0;
});

describe('routes', () => {
  it('createJob POSTs the body as JSON with the token and parses the 202', async () => {
    const created = { id: JOB_ID, type: 'train', state: 'waiting', links: jobView().links };
    server.handle((_request, response) =>
      sendJson(response, 202, created, { location: `/v1/jobs/${JOB_ID}` }),
    );
    const body = { type: 'train' as const, params: { epochs: 3, dataset: { limit: 12_000 } } };
    expect(await client.createJob(body)).toEqual(created);
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/v1/jobs');
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request?.body ?? '')).toEqual(body);
  });

  it('createJobs POSTs the jobs to /v1/jobs:batch and parses the created jobs in order', async () => {
    const links = jobView().links;
    const created = {
      jobs: [
        { id: 'train_00000001', type: 'train', state: 'waiting', links },
        { id: 'train_00000002', type: 'train', state: 'waiting', links },
      ],
    };
    server.handle((_request, response) => sendJson(response, 202, created));
    const jobs = [{ type: 'train' as const }, { type: 'train' as const, params: { epochs: 2 } }];
    expect(await client.createJobs(jobs)).toEqual(created);
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/v1/jobs:batch');
    expect(JSON.parse(request?.body ?? '')).toEqual({ jobs });
  });

  it('listJobs sends the query; allJobs follows nextCursor through every page', async () => {
    const pages: Record<
      string,
      { items: ReturnType<typeof jobView>[]; nextCursor: string | null }
    > = {
      '': { items: [jobView({ id: 'train_00000003' })], nextCursor: 'c1' },
      c1: { items: [jobView({ id: 'train_00000002' })], nextCursor: 'c2' },
      c2: { items: [jobView({ id: 'train_00000001' })], nextCursor: null },
    };
    server.handle((request, response) => {
      const cursor = new URL(request.url, server.url).searchParams.get('cursor') ?? '';
      sendJson(response, 200, pages[cursor]);
    });
    const page = await client.listJobs({ type: 'train', state: 'completed', limit: 1 });
    expect(page.nextCursor).toBe('c1');
    expect(server.requests[0]?.url).toBe('/v1/jobs?type=train&state=completed&limit=1');

    server.requests.length = 0;
    const ids: string[] = [];
    for await (const job of client.allJobs({ type: 'train', limit: 1 })) ids.push(job.id);
    expect(ids).toEqual(['train_00000003', 'train_00000002', 'train_00000001']);
    expect(server.requests.map((request) => request.url)).toEqual([
      '/v1/jobs?type=train&limit=1',
      '/v1/jobs?type=train&limit=1&cursor=c1',
      '/v1/jobs?type=train&limit=1&cursor=c2',
    ]);
  });

  it('getJob parses the view; an unknown job is a JobNotFoundError', async () => {
    const view = jobView({ state: 'completed', result: { epochsRun: 2 } });
    server.handle((request, response) =>
      request.url === `/v1/jobs/${JOB_ID}`
        ? sendJson(response, 200, view)
        : sendError(response, 404, 'JOB_NOT_FOUND', 'job "train_nope0000" not found'),
    );
    expect(await client.getJob(JOB_ID)).toEqual(view);
    const error = await client.getJob('train_nope0000').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(JobNotFoundError);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 404,
      code: 'JOB_NOT_FOUND',
      message: 'job "train_nope0000" not found',
    });
  });

  it('cancelJob: 200 removed, 202 stop requested, 409 an ApiError', async () => {
    const answers = [
      [200, { id: JOB_ID, state: 'cancelled' }],
      [202, { id: JOB_ID, state: 'active', cancelRequested: true }],
    ] as const;
    for (const [status, body] of answers) {
      server.handle((_request, response) => sendJson(response, status, body));
      expect(await client.cancelJob(JOB_ID)).toEqual(body);
    }
    server.handle((_request, response) =>
      sendError(response, 409, 'JOB_FINISHED', 'the job has already finished'),
    );
    await expect(client.cancelJob(JOB_ID)).rejects.toMatchObject({
      name: 'ApiError',
      status: 409,
      code: 'JOB_FINISHED',
    });
    expect(server.requests.map((request) => `${request.method} ${request.url}`)).toEqual(
      Array.from({ length: 3 }, () => `DELETE /v1/jobs/${JOB_ID}`),
    );
  });

  it('run management: updateJob PATCHes, resumeJob POSTs, deleteJob purges; search params go in the query', async () => {
    const renamed = jobView({ id: JOB_ID, name: 'baseline', tags: ['a'], notes: null });
    server.handle((_request, response) => sendJson(response, 200, renamed));
    expect(await client.updateJob(JOB_ID, { name: 'baseline', tags: ['a'] })).toMatchObject({
      name: 'baseline',
      tags: ['a'],
    });
    const created = { id: JOB_ID, type: 'train', state: 'waiting', links: jobView().links };
    server.handle((_request, response) => sendJson(response, 202, created));
    expect(await client.resumeJob(JOB_ID)).toEqual(created);
    server.handle((_request, response) =>
      sendJson(response, 200, { id: JOB_ID, deleted: true, visualizations: 2 }),
    );
    expect(await client.deleteJob(JOB_ID)).toEqual({
      id: JOB_ID,
      deleted: true,
      visualizations: 2,
    });
    server.handle((_request, response) =>
      sendJson(response, 200, { items: [], nextCursor: null, total: 0 }),
    );
    expect(await client.listJobs({ q: 'base', tag: 'a', sort: 'name', order: 'asc' })).toEqual({
      items: [],
      nextCursor: null,
      total: 0,
    });
    server.handle((_request, response) =>
      sendError(response, 409, 'JOB_NOT_RESUMABLE', 'job is completed'),
    );
    await expect(client.resumeJob(JOB_ID)).rejects.toMatchObject({
      status: 409,
      code: 'JOB_NOT_RESUMABLE',
    });
    expect(server.requests.map((request) => `${request.method} ${request.url}`)).toEqual(
      [
        `PATCH /v1/jobs/${JOB_ID}`,
        `POST /v1/jobs/${JOB_ID}/resume`,
        `DELETE /v1/jobs/${JOB_ID}?purge=true`,
        '/v1/jobs?q=base&tag=a&sort=name&order=asc',
        `POST /v1/jobs/${JOB_ID}/resume`,
      ].map((line) => (line.startsWith('/') ? `GET ${line}` : line)),
    );
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({ name: 'baseline', tags: ['a'] });
  });

  it('listArtifacts parses the file list', async () => {
    const list = {
      items: [
        {
          path: 'model/model.json',
          size: 12,
          modified: '2025-01-01T00:00:00.000Z',
          url: `/v1/jobs/${JOB_ID}/artifacts/model/model.json`,
        },
      ],
    };
    server.handle((_request, response) => sendJson(response, 200, list));
    expect(await client.listArtifacts(JOB_ID)).toEqual(list);
    expect(server.requests[0]?.url).toBe(`/v1/jobs/${JOB_ID}/artifacts`);
  });

  it('downloadArtifact: bytes and ETag, 304 on If-None-Match, a range, segments encoded', async () => {
    const bytes = Uint8Array.from({ length: 100 }, (_, index) => index);
    const etag = 'W/"64-1"';
    server.handle((request, response) => {
      if (request.headers['if-none-match'] === etag) {
        response.writeHead(304, { etag }).end();
        return;
      }
      const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
      if (range) {
        const end = range[2] ? Number(range[2]) : bytes.length - 1;
        response
          .writeHead(206, { etag, 'content-type': 'application/octet-stream' })
          .end(bytes.subarray(Number(range[1]), end + 1));
        return;
      }
      response
        .writeHead(200, {
          etag,
          'content-type': 'application/octet-stream',
          'content-length': bytes.length,
        })
        .end(bytes);
    });
    const full = await client.downloadArtifact(JOB_ID, 'model/weights one.bin');
    expect(full).toMatchObject({
      status: 200,
      etag,
      contentType: 'application/octet-stream',
      size: 100,
    });
    expect(await full.bytes()).toEqual(bytes);
    expect(server.requests[0]?.url).toBe(`/v1/jobs/${JOB_ID}/artifacts/model/weights%20one.bin`);

    const unchanged = await client.downloadArtifact(JOB_ID, 'model/weights one.bin', {
      ifNoneMatch: etag,
    });
    expect(unchanged.status).toBe(304);
    expect(unchanged.body).toBeNull();
    expect((await unchanged.bytes()).byteLength).toBe(0);

    const part = await client.downloadArtifact(JOB_ID, 'a.bin', { range: { start: 10, end: 19 } });
    expect(part.status).toBe(206);
    expect(server.requests.at(-1)?.headers.range).toBe('bytes=10-19');
    expect(await part.bytes()).toEqual(bytes.subarray(10, 20));
  });

  it('health: ok, and unavailable on 503 without retrying it', async () => {
    server.handle((_request, response) => sendJson(response, 200, { status: 'ok', redis: 'up' }));
    expect(await client.health()).toEqual({ status: 'ok', redis: 'up' });
    server.handle((_request, response) =>
      sendJson(response, 503, { status: 'unavailable', redis: 'down' }),
    );
    expect(await client.health()).toEqual({ status: 'unavailable', redis: 'down' });
    expect(server.requests.map((request) => request.url)).toEqual(['/healthz', '/healthz']);
  });
});

describe('errors', () => {
  it('ApiError carries the status, code, message and details of the error body', async () => {
    const details = [{ path: 'params.epochs', message: 'Too small: expected number to be >=1' }];
    server.handle((_request, response) =>
      sendError(response, 400, 'VALIDATION_FAILED', 'the job is invalid', details),
    );
    const error = await client
      .createJob({ type: 'train', params: { epochs: 0 } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).not.toBeInstanceOf(JobNotFoundError);
    expect(error).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      message: 'the job is invalid',
      details,
    });
  });

  it('an error status without the API’s body is HTTP_<status>', async () => {
    const once = new ConvoyClient({ baseUrl: server.url, retry: false });
    server.handle((_request, response) =>
      response.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad Gateway</h1>'),
    );
    await expect(once.getJob(JOB_ID)).rejects.toMatchObject({
      status: 502,
      code: 'HTTP_502',
      message: 'Bad Gateway',
    });
  });

  it('a 2xx body that does not match the schema is an UnexpectedResponseError naming the field', async () => {
    server.handle((_request, response) => sendJson(response, 200, { ...jobView(), state: 'done' }));
    const error = await client.getJob(JOB_ID).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect((error as Error).message).toMatch(/GET \/v1\/jobs\/train_mabc1234def: .*state/);

    server.handle((_request, response) =>
      response.writeHead(200, { 'content-type': 'text/html' }).end('<html>not the API</html>'),
    );
    await expect(client.listJobs()).rejects.toThrow(/not JSON: "<html>not the API<\/html>"/);
  });

  it('an API nobody listens on is an ApiUnreachableError that names API_URL', async () => {
    const port = await closedPort();
    const nowhere = new ConvoyClient({ baseUrl: `http://127.0.0.1:${port}`, retry: FAST_RETRY });
    const error = await nowhere.getJob(JOB_ID).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiUnreachableError);
    expect((error as Error).message).toBe(
      `cannot reach the Convoy API at http://127.0.0.1:${port} (set API_URL): fetch failed (ECONNREFUSED)`,
    );
  });

  it('a request over the time limit is an ApiUnreachableError, not retried', async () => {
    const impatient = new ConvoyClient({
      baseUrl: server.url,
      timeoutMs: 150,
      retry: FAST_RETRY,
    });
    server.handle(() => undefined); // never answers
    const error = await impatient.getJob(JOB_ID).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiUnreachableError);
    expect(error).toMatchObject({ timedOut: true });
    expect((error as Error).message).toMatch(/did not answer within 150 ms/);
    expect(server.requests).toHaveLength(1);
  });
});

describe('retries', () => {
  it('retries a GET after a 503, waiting as long as Retry-After says', async () => {
    let calls = 0;
    server.handle((_request, response) => {
      calls += 1;
      if (calls === 1) {
        response.setHeader('retry-after', '1');
        sendError(response, 503, 'SERVICE_UNAVAILABLE', 'Redis does not answer');
      } else {
        sendJson(response, 200, jobView());
      }
    });
    const started = performance.now();
    expect((await client.getJob(JOB_ID)).id).toBe(JOB_ID);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(server.requests).toHaveLength(2);
  });

  it('gives up after its retries with the last answer’s ApiError', async () => {
    server.handle((_request, response) =>
      sendError(response, 503, 'SERVICE_UNAVAILABLE', 'Redis does not answer'),
    );
    await expect(client.listJobs()).rejects.toMatchObject({
      status: 503,
      code: 'SERVICE_UNAVAILABLE',
    });
    expect(server.requests).toHaveLength(1 + FAST_RETRY.retries);
  });

  it('never retries a POST, after a 503 or a dropped connection', async () => {
    server.handle((_request, response) =>
      sendError(response, 503, 'SERVICE_UNAVAILABLE', 'Redis does not answer'),
    );
    await expect(client.createJob({ type: 'train' })).rejects.toMatchObject({ status: 503 });
    expect(server.requests).toHaveLength(1);

    server.requests.length = 0;
    server.handle((_request, response) => response.socket?.destroy());
    await expect(client.createJob({ type: 'train' })).rejects.toBeInstanceOf(ApiUnreachableError);
    expect(server.requests).toHaveLength(1);
  });

  it('retries a DELETE whose connection dropped', async () => {
    let calls = 0;
    server.handle((_request, response) => {
      calls += 1;
      if (calls === 1) response.socket?.destroy();
      else sendJson(response, 200, { id: JOB_ID, state: 'cancelled' });
    });
    expect(await client.cancelJob(JOB_ID)).toEqual({ id: JOB_ID, state: 'cancelled' });
    expect(server.requests.map((request) => request.method)).toEqual(['DELETE', 'DELETE']);
  });

  it('retry: false sends each request once', async () => {
    const once = new ConvoyClient({ baseUrl: server.url, retry: false });
    server.handle((_request, response) =>
      sendError(response, 503, 'SERVICE_UNAVAILABLE', 'Redis does not answer'),
    );
    await expect(once.getJob(JOB_ID)).rejects.toMatchObject({ status: 503 });
    expect(server.requests).toHaveLength(1);
  });
});

/** A port nothing listens on (it was free a moment ago). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
