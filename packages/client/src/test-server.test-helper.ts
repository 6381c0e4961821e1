import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JobView } from '@convoy/schemas';

/** A request as the test server received it. */
export interface ReceivedRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export type TestHandler = (
  request: ReceivedRequest,
  response: ServerResponse,
  raw: IncomingMessage,
) => unknown;

export interface TestServer {
  readonly url: string;
  /** Every request so far, in order. */
  readonly requests: ReceivedRequest[];
  /** Answers the next requests (replaces the previous handler). */
  handle(handler: TestHandler): void;
  close(): Promise<void>;
}

/** A real HTTP server on a free port of 127.0.0.1, answering as each test tells it to. */
export async function startTestServer(): Promise<TestServer> {
  const requests: ReceivedRequest[] = [];
  let handler: TestHandler = (_request, response) => {
    response.writeHead(500).end('no handler');
  };
  const server = createServer((raw, response) => {
    const chunks: Buffer[] = [];
    raw.on('data', (chunk: Buffer) => chunks.push(chunk));
    raw.on('end', () => {
      const request = {
        method: raw.method ?? '',
        url: raw.url ?? '',
        headers: raw.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      Promise.resolve(handler(request, response, raw)).catch((error: unknown) => {
        response.destroy(error as Error);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle(next) {
      handler = next;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
    .end(JSON.stringify(body));
}

export function sendError(
  response: ServerResponse,
  status: number,
  code: string,
  message: string,
  details?: { path: string; message: string }[],
): void {
  sendJson(response, status, { error: { code, message, ...(details ? { details } : {}) } });
}

/** A job view as the API answers `GET /v1/jobs/:id`. */
export function jobView(overrides: Partial<JobView> = {}): JobView {
  const id = overrides.id ?? 'train_mabc1234def';
  return {
    id,
    type: 'train',
    state: 'active',
    progress: { epoch: 1, epochs: 2, batch: 5, batches: 10, percent: 25 },
    params: { epochs: 2 },
    history: [],
    result: null,
    error: null,
    backend: 'wasm',
    device: 'cpu',
    attempts: 1,
    cancelRequested: false,
    createdAt: '2025-01-01T00:00:00.000Z',
    startedAt: '2025-01-01T00:00:01.000Z',
    finishedAt: null,
    links: {
      self: `/v1/jobs/${id}`,
      events: `/v1/jobs/${id}/events`,
      artifacts: `/v1/jobs/${id}/artifacts`,
    },
    ...overrides,
  };
}

/** Starts an event stream as the API does. */
export function openEventStream(response: ServerResponse, retryMs?: number): void {
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
  });
  response.flushHeaders();
  if (retryMs !== undefined) response.write(`retry: ${retryMs}\n\n`);
}

export function writeEvent(
  response: ServerResponse,
  event: string,
  data: unknown,
  id?: string,
): void {
  response.write(
    `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`,
  );
}
