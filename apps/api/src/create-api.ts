import { QueueEvents } from 'bullmq';
import express, { Router, type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { allowedHostsOnly, HostAllowList, requestLogger } from '@convoy/http';
import { JOB_TYPES } from '@convoy/schemas';
import {
  createRedisConnection,
  JobQueues,
  logRedisErrors,
  pingRedis,
  QUEUE_NAMES,
  type RedisConnection,
  type RedisTarget,
} from '@convoy/queue';
import { createArtifactStore } from '@convoy/storage';
import { createBearerAuth, createQueuePageAuth } from './auth.js';
import type { ApiConfig } from './config.js';
import { createErrorHandler, notFoundHandler } from './error-handler.js';
import { createEventsRouter } from './event-stream.js';
import { EventStreams } from './event-streams.js';
import { methodNotAllowed, refuseOversizedBodies } from './guards.js';
import { JobEventHub } from './job-event-hub.js';
import { JobLookup } from './job-lookup.js';
import { createJobsRouter, JOBS_BATCH_PATH } from './jobs-routes.js';
import { createLogger } from './logger.js';
import { createMetrics, type ApiMetrics } from './metrics.js';
import { createOpenApiDocument } from './openapi.js';
import { queueDashboard, sameOriginChanges } from './queue-dashboard.js';

/** How long closing the Redis connections may take at shutdown before they are dropped. */
const CLOSE_TIMEOUT_MS = 5_000;

/** Where bull-board is mounted; its base path must be the same. */
export const ADMIN_QUEUES_PATH = '/admin/queues';

export interface CreateApiOptions {
  /** Default: a pino logger at config.logLevel. */
  readonly logger?: Logger | undefined;
}

export interface Api {
  readonly app: Express;
  /** Ends open event streams and closes the queues, queue events and Redis connections. */
  close(): Promise<void>;
}

/**
 * The HTTP API as an Express app plus what it holds open (Redis connections, BullMQ queue
 * events). It does not listen: main.ts does, and tests call `app.listen(0)`.
 */
export async function createApi(config: ApiConfig, options: CreateApiOptions = {}): Promise<Api> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const redis = { url: config.redisUrl, clusterNodes: config.redisClusterNodes };
  const connection = createRedisConnection(redis, 'client', {
    connectionName: 'convoy-api',
    logger,
  });
  const queues = new JobQueues({ connection, prefix: config.queuePrefix, logger });
  const prefix = queues.prefixes.queue;
  const store = createArtifactStore(config);
  const lookup = new JobLookup(queues, () => connection.status === 'ready');
  const hub = new JobEventHub({ lookup, logger });
  const streams = new EventStreams({
    maxStreams: config.maxEventStreams,
    maxStreamsPerClient: config.maxEventStreamsPerClient,
    heartbeatMs: config.sseHeartbeatMs,
  });
  const metrics = createMetrics(queues, { openEventStreams: () => streams.size });
  hub.onFinished((found) => metrics.observeFinished(found));

  const queueEvents: QueueEvents[] = [];
  const startQueueEvents = () => {
    queueEvents.push(...followQueueEvents(redis, prefix, hub, logger));
  };
  // A QueueEvents made while Redis is down could never be closed: start them once it is up.
  if (connection.status === 'ready') startQueueEvents();
  else connection.once('ready', startQueueEvents);

  const closeAll = async () => {
    connection.off('ready', startQueueEvents);
    streams.closeAll();
    hub.close();
    const closed = await settlesWithin(
      (async () => {
        await Promise.allSettled(queueEvents.map((events) => events.close()));
        await queues.close().catch(() => undefined);
        // quit() would wait forever for a connection that never came up.
        if (connection.status === 'ready')
          await connection.quit().catch(() => connection.disconnect());
        else connection.disconnect();
      })(),
      CLOSE_TIMEOUT_MS,
    );
    if (closed) return;
    // Redis went away: closing would wait for it forever. Drop the connections instead.
    logger.warn({ timeoutMs: CLOSE_TIMEOUT_MS }, 'Redis did not answer: dropping its connections');
    for (const events of queueEvents) void events.disconnect().catch(() => undefined);
    connection.disconnect();
  };

  // Live events start from "now": listen before the first request can subscribe. With Redis
  // down, start anyway (healthz says 503, requests fail fast) and let the events catch up later.
  const ready = await settlesWithin(
    pingRedis(connection, config.startupTimeoutMs).then(async (up) => {
      if (!up) throw new Error('Redis is not reachable');
      await Promise.all(queueEvents.map((events) => events.waitUntilReady()));
    }),
    config.startupTimeoutMs,
  );
  if (!ready) logger.warn('Redis is not reachable yet; queue events will start when it is');

  const app = express();
  app.disable('x-powered-by');
  app.use(requestLogger(logger, 'info'));
  app.use(metrics.countRequests);
  if (config.token === undefined || config.allowedHosts !== undefined) {
    // Without a token, a page of another site whose name resolves to this machine (DNS
    // rebinding) could use the API from a browser: only this server's own names are answered.
    const hosts = new HostAllowList({ names: config.allowedHosts, boundHost: config.host });
    app.use(allowedHostsOnly(hosts, 'API_ALLOWED_HOSTS'));
  }
  app.use(securityHeaders());
  app.use(refuseOversizedBodies(config.bodyLimit, { [JOBS_BATCH_PATH]: config.batchBodyLimit }));
  // /metrics is open unless METRICS_TOKEN is set; then that token (or the API's) is needed.
  const metricsAuth =
    config.metricsToken === undefined
      ? createBearerAuth()
      : createBearerAuth(config.metricsToken, config.token);
  app.use(operationsRouter(connection, metrics, metricsAuth));

  const auth = createBearerAuth(config.token);
  app.use('/v1', auth);
  app.use(createEventsRouter({ hub, lookup, streams }));
  app.use(
    createJobsRouter({
      queues,
      lookup,
      store,
      bodyLimit: config.bodyLimit,
      batchBodyLimit: config.batchBodyLimit,
      maxJobMemoryMb: config.maxJobMemoryMb,
    }),
  );

  app.use(
    ADMIN_QUEUES_PATH,
    createQueuePageAuth(config.token),
    sameOriginChanges(),
    queueDashboard(queues, ADMIN_QUEUES_PATH),
  );

  app.use(notFoundHandler());
  app.use(createErrorHandler({ logger, exposeStacks: config.exposeErrorStacks }));

  let closing: Promise<void> | undefined;
  return {
    app,
    close: () => (closing ??= closeAll()),
  };
}

/**
 * BullMQ queue events of both queues, feeding the event hub (SSE and metrics). Each owns its
 * blocking connection: on a cluster an ioredis Cluster of its own, on one server the options
 * BullMQ connects with.
 */
function followQueueEvents(
  redis: RedisTarget,
  prefix: string | undefined,
  hub: JobEventHub,
  logger: Logger,
): QueueEvents[] {
  return JOB_TYPES.map((type) => {
    const events = new QueueEvents(QUEUE_NAMES[type], {
      connection: redis.clusterNodes
        ? createRedisConnection(redis, 'blocking', {
            connectionName: `convoy-api:events-${type}`,
            logger,
          })
        : { url: redis.url },
      ...(prefix ? { prefix } : {}),
    });
    logRedisErrors(events, `queue-events:${QUEUE_NAMES[type]}`, logger);
    hub.attach(events);
    return events;
  });
}

function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      directives: {
        // bull-board's UI: its own scripts and inline styles; nothing from other hosts.
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'font-src': ["'self'", 'data:'],
        'img-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        // The API is usually served over plain HTTP (localhost, a private network).
        'upgrade-insecure-requests': null,
      },
    },
  });
}

/** `/healthz`, `/metrics` and `/openapi.json`: no token, for load balancers and Prometheus. */
function operationsRouter(
  connection: RedisConnection,
  metrics: ApiMetrics,
  metricsAuth: RequestHandler,
): Router {
  const router = Router();
  const openApiDocument = createOpenApiDocument();
  router
    .route('/healthz')
    .get(async (_request, response) => {
      const up = await pingRedis(connection, 1000);
      response
        .status(up ? 200 : 503)
        .set('Cache-Control', 'no-store')
        .json(up ? { status: 'ok', redis: 'up' } : { status: 'unavailable', redis: 'down' });
    })
    .all(methodNotAllowed(['GET']));
  router
    .route('/metrics')
    .get(metricsAuth, async (_request, response) => {
      const text = await metrics.registry.metrics();
      response.set('Content-Type', metrics.registry.contentType).send(text);
    })
    .all(methodNotAllowed(['GET']));
  router
    .route('/openapi.json')
    .get((_request, response) => {
      response.json(openApiDocument);
    })
    .all(methodNotAllowed(['GET']));
  return router;
}

/** Whether `promise` resolved within `milliseconds` (a rejection counts as not ready). */
async function settlesWithin(promise: Promise<unknown>, milliseconds: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), milliseconds);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
