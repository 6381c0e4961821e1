import { once } from 'node:events';
import { isLoopbackHost, loadConfig } from './config.js';
import { createDashboard } from './create-dashboard.js';
import { createLogger } from './logger.js';

/** `npm run start:dashboard`: reads the environment once, starts the dashboard, stops on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  const dashboard = createDashboard(config, { logger });
  const server = dashboard.app.listen(config.port, config.host);
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const shownHost = config.host.includes(':') ? `[${config.host}]` : config.host;
  if (!isLoopbackHost(config.host)) {
    logger.warn(
      { host: config.host },
      'the dashboard has no login and acts with API_TOKEN for whoever reaches it: keep it behind a private network or an authenticating proxy',
    );
  }
  logger.info(
    { host: config.host, port, apiUrl: config.apiUrl, auth: config.apiToken !== undefined },
    `Convoy dashboard listening on http://${shownHost}:${port}`,
  );

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await dashboard.close(); // ends proxied event streams, so their connections turn idle
    await new Promise((resolve) => setImmediate(resolve));
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), 5_000);
    await closed;
    clearTimeout(timer);
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', (signal) => void stop(signal));
  process.once('SIGINT', (signal) => void stop(signal));
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`convoy-dashboard: ${message}\n`);
  process.exit(1);
});
