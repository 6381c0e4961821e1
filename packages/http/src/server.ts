import { createServer, type RequestListener, type Server } from 'node:http';

/** How long a server waits for clients, and how many it holds at once. */
export interface ServerLimits {
  /** Longest wait for a request's headers (at most requestTimeoutMs). */
  readonly headersTimeoutMs: number;
  /**
   * Longest wait for a whole request, body included: a client that declares a large body and
   * sends it slowly (or never) is answered 408 and disconnected. Responses are not bounded by it,
   * so a Server-Sent Events stream stays open.
   */
  readonly requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open between requests. */
  readonly keepAliveTimeoutMs: number;
  /** Open connections at most; Node drops further ones as they arrive. */
  readonly maxConnections: number;
}

/** How often Node looks for requests past their header or request timeout (its default: 30 s). */
export function timeoutCheckIntervalMs(limits: ServerLimits): number {
  const shortest = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  return Math.max(50, Math.min(1_000, Math.floor(shortest / 4)));
}

/**
 * An HTTP server with Convoy's limits in place of Node's defaults (no connection cap, 300 s for a
 * request, checked every 30 s). Every Convoy server and its tests are made with it.
 */
export function createHttpServer(listener: RequestListener, limits: ServerLimits): Server {
  const server = createServer(
    {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
      connectionsCheckingInterval: timeoutCheckIntervalMs(limits),
    },
    listener,
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  return server;
}

/** The limits of a parsed app configuration (its `serverLimitsOptions` fields). */
export function serverLimitsOf(config: ServerLimits): ServerLimits {
  const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, maxConnections } = config;
  return { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, maxConnections };
}
