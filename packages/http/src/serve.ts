import { once } from 'node:events';
import type { RequestListener, Server } from 'node:http';
import { createHttpServer, type ServerLimits } from './server.js';

export interface ServeLogger {
  info(details: object, message: string): void;
  info(message: string): void;
  warn(details: object, message: string): void;
}

export interface ServeOptions {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly limits: ServerLimits;
  readonly logger: ServeLogger;
  /** Extra fields for the "listening" log line. */
  readonly details?: object;
  /** Releases the app's resources; it should end long-lived streams so their connections go idle. */
  readonly close: () => Promise<void>;
}

/** At most one warning per this interval about connections dropped over the cap. */
const DROP_WARNING_INTERVAL_MS = 60_000;

/**
 * Listens with `limits`, logs the URL, and on SIGTERM/SIGINT stops accepting, closes the app,
 * gives running requests five seconds, then exits 0: what each Convoy server's main.ts does.
 */
export async function serveUntilSignal(
  listener: RequestListener,
  options: ServeOptions,
): Promise<Server> {
  const server = createHttpServer(listener, options.limits);
  warnAboutDrops(server, options);
  server.listen(options.port, options.host);
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  options.logger.info(
    { host: options.host, port, ...options.details, ...options.limits },
    `${options.name} listening on http://${shownHost}:${port}`,
  );

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    options.logger.info({ signal }, 'shutting down');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await options.close();
    await new Promise((resolve) => setImmediate(resolve));
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), 5_000);
    await closed;
    clearTimeout(timer);
    options.logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', (signal) => void stop(signal));
  process.once('SIGINT', (signal) => void stop(signal));
  return server;
}

/** Logs connections refused over `maxConnections`, rate-limited: a flood must not flood the log. */
function warnAboutDrops(server: Server, options: ServeOptions): void {
  let dropped = 0;
  let lastWarning = 0;
  server.on('drop', () => {
    dropped += 1;
    const now = Date.now();
    if (now - lastWarning < DROP_WARNING_INTERVAL_MS) return;
    lastWarning = now;
    options.logger.warn(
      { dropped, maxConnections: options.limits.maxConnections },
      'connections refused: the server holds its maximum number of connections',
    );
    dropped = 0;
  });
}
