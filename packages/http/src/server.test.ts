import { once } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer, timeoutCheckIntervalMs, type ServerLimits } from './index.js';

const LIMITS: ServerLimits = {
  headersTimeoutMs: 1_000,
  requestTimeoutMs: 1_000,
  keepAliveTimeoutMs: 500,
  maxConnections: 3,
};
/** The longest a timed-out request may live: its timeout, one check interval, scheduling slack. */
const CUT_WITHIN_MS = LIMITS.requestTimeoutMs + timeoutCheckIntervalMs(LIMITS) + 1_000;

const servers: Server[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Reads the whole body, then answers with its size; or streams for `streamMs` on GET /stream. */
function handler(request: IncomingMessage, response: ServerResponse): void {
  if (request.url === '/stream') {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    const timer = setInterval(() => response.write(': tick\n\n'), 200);
    setTimeout(() => {
      clearInterval(timer);
      response.end('event: end\ndata: {}\n\n');
    }, 2_500);
    return;
  }
  let size = 0;
  request.on('data', (chunk: Buffer) => (size += chunk.length));
  request.on('end', () => response.end(String(size)));
}

async function start(limits = LIMITS): Promise<number> {
  const server = createHttpServer(handler, limits);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

interface Exchange {
  /** Everything the server sent. */
  readonly received: string;
  /** Milliseconds from the first byte written until the server closed the connection. */
  readonly closedAfterMs: number;
}

/** Opens a raw connection, writes `text`, and waits (at most `waitMs`) for the server to close it. */
async function rawExchange(port: number, text: string, waitMs = 10_000): Promise<Exchange> {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  const started = performance.now();
  socket.write(text);
  const closed = new Promise<number>((resolve) =>
    socket.once('close', () => resolve(performance.now() - started)),
  );
  const timeout = new Promise<number>((resolve) => setTimeout(() => resolve(Infinity), waitMs));
  const closedAfterMs = await Promise.race([closed, timeout]);
  return { received, closedAfterMs };
}

describe('createHttpServer', () => {
  it('cuts a request whose declared body never arrives (50 MB declared, 10 bytes sent): 408, closed', async () => {
    const port = await start();
    const { received, closedAfterMs } = await rawExchange(
      port,
      'POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        'Content-Length: 50000000\r\n\r\n{"a":12345',
    );
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(closedAfterMs).toBeGreaterThanOrEqual(LIMITS.requestTimeoutMs - 100);
    expect(closedAfterMs).toBeLessThan(CUT_WITHIN_MS);
  });

  it('cuts a request whose headers never end', async () => {
    const port = await start();
    const { received, closedAfterMs } = await rawExchange(
      port,
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ',
    );
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(closedAfterMs).toBeLessThan(CUT_WITHIN_MS);
  });

  it('answers a complete request, then closes the idle keep-alive connection', async () => {
    const port = await start();
    const { received, closedAfterMs } = await rawExchange(
      port,
      'POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello',
    );
    expect(received).toMatch(/^HTTP\/1\.1 200 /);
    expect(received).toMatch(/\r\n\r\n5$/);
    // Node keeps an idle connection one second past keepAliveTimeout (its keepAliveTimeoutBuffer).
    expect(closedAfterMs).toBeGreaterThanOrEqual(LIMITS.keepAliveTimeoutMs);
    expect(closedAfterMs).toBeLessThan(LIMITS.keepAliveTimeoutMs + 2_000);
  });

  it('does not bound a response: a stream outlives the request timeout', async () => {
    const port = await start();
    const { received, closedAfterMs } = await rawExchange(
      port,
      'GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
    );
    expect(received).toMatch(/^HTTP\/1\.1 200 /);
    expect(received).toContain('event: end');
    expect(received.split(': tick').length - 1).toBeGreaterThanOrEqual(8);
    expect(closedAfterMs).toBeGreaterThan(2 * LIMITS.requestTimeoutMs);
  });

  it('drops connections over maxConnections at once', async () => {
    const port = await start({ ...LIMITS, headersTimeoutMs: 5_000, requestTimeoutMs: 5_000 });
    const held: Socket[] = [];
    for (let index = 0; index < LIMITS.maxConnections; index += 1) {
      const socket = connect(port, '127.0.0.1');
      sockets.push(socket);
      held.push(socket);
      await once(socket, 'connect');
      socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n'); // headers unfinished: held open
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    const over = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 3_000);
    expect(over.received).toBe('');
    expect(over.closedAfterMs).toBeLessThan(1_000);
    expect(held.every((socket) => !socket.destroyed)).toBe(true);
  });
});
