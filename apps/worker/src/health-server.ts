import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { createHttpServer, HttpError, type ServerLimits } from '@convoy/http';
import { checkLiveness, type HealthCheck } from './worker-health.js';

/**
 * Probes are small GETs from the kubelet or a load balancer: a slow or idle client is let go soon,
 * and a flood of connections cannot pile up in the worker's process.
 */
export const HEALTH_SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 64,
};

export interface HealthServerOptions {
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly shutdownTimeoutMs: number;
  readonly logger: Pick<Logger, 'info'>;
  readonly now?: () => number;
  /** Default HEALTH_SERVER_LIMITS; tests shorten them. */
  readonly limits?: ServerLimits;
}

export interface HealthServer {
  readonly url: string;
  /** The worker is up: from now on /readyz answers with its state (before, 503 STARTING). */
  attach(readiness: () => Promise<HealthCheck>): void;
  /** Shutdown began: /readyz answers 503, /healthz too once the shutdown outlasts its bound. */
  shuttingDown(): void;
  close(): Promise<void>;
}

const STARTING: HealthCheck = {
  ok: false,
  code: 'STARTING',
  reason: 'starting: compute backend, Redis connections, queues',
};

/**
 * The worker's probe endpoints, on a port of their own (WORKER_HEALTH_PORT): GET /healthz
 * (liveness) and GET /readyz (readiness), 200 `{"status":…}` or 503 with Convoy's error body. It
 * starts before the worker warms up its backend, so a slow start reads as alive but not ready.
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const now = options.now ?? Date.now;
  let readiness: () => Promise<HealthCheck> = () => Promise.resolve(STARTING);
  let shutdownStartedAt: number | undefined;

  const answer = async (path: string): Promise<{ check: HealthCheck; status: string }> => {
    if (path === '/healthz') {
      return {
        check: checkLiveness(shutdownStartedAt, now(), options.shutdownTimeoutMs),
        status: 'ok',
      };
    }
    const check: HealthCheck =
      shutdownStartedAt === undefined
        ? await readiness()
        : { ok: false, code: 'SHUTTING_DOWN', reason: 'checkpointing and closing' };
    return { check, status: 'ready' };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = new URL(request.url ?? '/', 'http://worker').pathname;
    if (path !== '/healthz' && path !== '/readyz') {
      return send(response, request, new HttpError(404, 'NOT_FOUND', 'only /healthz and /readyz'));
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return send(
        response,
        request,
        new HttpError(405, 'METHOD_NOT_ALLOWED', `${request.method} is not allowed`, {
          headers: { Allow: 'GET, HEAD' },
        }),
      );
    }
    const { check, status } = await answer(path);
    if (check.ok) return send(response, request, { status });
    return send(response, request, new HttpError(503, check.code, check.reason));
  };

  const server = createHttpServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      send(response, request, new HttpError(500, 'INTERNAL', message));
    });
  }, options.limits ?? HEALTH_SERVER_LIMITS);
  server.listen(options.port, options.host);
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  options.logger.info({ host: options.host, port }, `worker health endpoints on ${url}`);

  return {
    url,
    attach(next) {
      readiness = next;
    },
    shuttingDown() {
      shutdownStartedAt ??= now();
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function send(
  response: ServerResponse,
  request: IncomingMessage,
  body: HttpError | { status: string },
): void {
  const error = body instanceof HttpError ? body : undefined;
  const text = JSON.stringify(error?.toBody() ?? body);
  response.writeHead(error?.status ?? 200, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...error?.headers,
  });
  response.end(request.method === 'HEAD' ? undefined : text);
}
