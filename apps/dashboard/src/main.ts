import { isLoopbackHost, serveUntilSignal, serverLimitsOf } from '@convoy/http';
import { loadConfig } from './config.js';
import { createDashboard } from './create-dashboard.js';
import { createLogger } from './logger.js';

/** `npm run start:dashboard`: reads the environment once, starts the dashboard, stops on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  const dashboard = createDashboard(config, { logger });
  if (!isLoopbackHost(config.host)) {
    logger.warn(
      { host: config.host },
      'the dashboard has no login and acts with API_TOKEN for whoever reaches it: keep it behind a private network or an authenticating proxy',
    );
  }
  await serveUntilSignal(dashboard.app, {
    name: 'Convoy dashboard',
    host: config.host,
    port: config.port,
    limits: serverLimitsOf(config),
    logger,
    details: { apiUrl: config.apiUrl, auth: config.apiToken !== undefined },
    // Ends proxied event streams, so their connections turn idle.
    close: () => dashboard.close(),
  });
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`convoy-dashboard: ${message}\n`);
  process.exit(1);
});
