import { once } from 'node:events';
import { loadConfig } from './config.js';
import { createApi } from './create-api.js';
import { createLogger } from './logger.js';

/** `npm run start:api`: reads the environment once, starts the API, stops it on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  const api = await createApi(config, { logger });
  const server = api.app.listen(config.port, config.host);
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const shownHost = config.host.includes(':') ? `[${config.host}]` : config.host;
  logger.info(
    { host: config.host, port, auth: config.token !== undefined },
    `Convoy API listening on http://${shownHost}:${port}`,
  );

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await api.close(); // ends open event streams, so their connections turn idle
    await new Promise((resolve) => setImmediate(resolve));
    server.closeIdleConnections();
    // Requests still running get a few seconds to finish.
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
  process.stderr.write(`convoy-api: ${message}\n`);
  process.exit(1);
});
