import { serveUntilSignal, serverLimitsOf } from '@convoy/http';
import { loadConfig } from './config.js';
import { createApi } from './create-api.js';
import { createLogger } from './logger.js';

/** `npm run start:api`: reads the environment once, starts the API, stops it on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  const api = await createApi(config, { logger });
  await serveUntilSignal(api.app, {
    name: 'Convoy API',
    host: config.host,
    port: config.port,
    limits: serverLimitsOf(config),
    logger,
    details: {
      auth: config.token !== undefined,
      metricsAuth: config.metricsToken !== undefined,
      maxEventStreams: config.maxEventStreams,
      maxEventStreamsPerClient: config.maxEventStreamsPerClient,
    },
    // Ends open event streams, so their connections turn idle.
    close: () => api.close(),
  });
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`convoy-api: ${message}\n`);
  process.exit(1);
});
