import { pino } from 'pino';
import { loadConfig } from './config.js';
import { createWorker } from './create-worker.js';
import { startHealthServer } from './health-server.js';

const config = loadConfig(process.env);
const logger = pino({ level: config.logLevel });
// Up before the backend warms up: a slow start reads as alive but not ready.
const health =
  config.healthPort === undefined
    ? undefined
    : await startHealthServer({
        host: config.healthHost,
        port: config.healthPort,
        shutdownTimeoutMs: config.shutdownTimeoutMs,
        logger,
      });
const worker = await createWorker(config, logger);
health?.attach(() => worker.readiness());
logger.info({ pid: process.pid }, 'convoy worker started');

let signals = 0;
const shutdown = (signal: string) => {
  signals += 1;
  if (signals > 1) {
    logger.warn({ signal }, 'second signal: exiting at once');
    process.exit(1);
  }
  logger.info({ signal }, 'stopping: finishing the current batch and checkpointing');
  health?.shuttingDown();
  worker.close().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
