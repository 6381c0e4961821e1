import type { Worker } from 'bullmq';
import { pino, type Logger } from 'pino';
import { initializeBackend, type ActiveBackend } from '@convoy/backend';
import {
  createJobWorker,
  createRedisConnection,
  redisKeyPrefixes,
  type RedisConnection,
  JobCancellation,
  JobQueues,
  SweepStore,
} from '@convoy/queue';
import { artifactStoreSettings, createArtifactStore, UploadQueue } from '@convoy/storage';
import type { WorkerConfig } from './config.js';
import { within } from './deadline.js';
import { JobControl } from './job-control.js';
import { processSweepJob } from './sweep-processor.js';
import { processTrainJob } from './train-processor.js';
import { TrainingThreadPool } from './training-thread-pool.js';
import { processVisualizeJob } from './visualize-processor.js';
import { checkReadiness, type HealthCheck } from './worker-health.js';

/** Sweep jobs one worker process ranks at once. */
const SWEEP_CONCURRENCY = 4;

/** How long closing the Redis connections may take at shutdown before they are dropped. */
export const CLOSE_TIMEOUT_MS = 5_000;

export interface ConvoyWorker {
  /** The backend jobs run on (training threads and visualizations start the same one). */
  readonly backend: ActiveBackend;
  readonly logger: Logger;
  /** Ready when its BullMQ workers run and Redis answers (the health server's /readyz). */
  readiness(): Promise<HealthCheck>;
  /**
   * Graceful stop (SIGTERM), bounded whatever state Redis is in: running jobs finish their current
   * batch, their checkpoint lands in the store, and they are handed back to the queue (best effort,
   * HAND_BACK_TIMEOUT_MS); then connections close (CLOSE_TIMEOUT_MS, then dropped) and threads end.
   */
  close(): Promise<void>;
}

/** A worker process's whole job-handling side: backend, queues, training threads, cancellation, shutdown. */
export async function createWorker(
  config: WorkerConfig,
  logger: Logger = pino({ level: config.logLevel }),
): Promise<ConvoyWorker> {
  const store = createArtifactStore(config);
  const threads = new TrainingThreadPool(
    {
      backend: config.backend,
      artifacts: artifactStoreSettings(config),
      dataDir: config.dataDir,
      officialDataDir: config.officialDataDir,
      threads: config.trainingThreads,
    },
    config.concurrency,
    (jobId) =>
      new UploadQueue(store.job(jobId), {
        retryForMs: config.uploadRetryMs,
        onRetry: (error, attempt, delayMs) =>
          logger.warn({ jobId, err: error.message, attempt, delayMs }, 'artifact upload retrying'),
      }),
  );
  // Start the backend where jobs will use it, so a missing backend fails the process, not every job.
  const backend = config.queues.includes('train')
    ? await threads.warmUp()
    : await initializeBackend(config.backend);
  let mainThreadBackend: Promise<unknown> | null = null;
  const ensureBackend = () => (mainThreadBackend ??= initializeBackend(config.backend));
  if (config.queues.includes('visualize') && config.queues.includes('train')) await ensureBackend();
  logger.info(
    { backend: backend.name, device: backend.device, queues: config.queues },
    'compute backend ready',
  );

  const redis = { url: config.redisUrl, clusterNodes: config.redisClusterNodes };
  const connections: RedisConnection[] = [];
  const connect = (name: string) => {
    // Blocking: commands wait while Redis is away (BullMQ requires it of a worker's connections).
    const connection = createRedisConnection(redis, 'blocking', {
      connectionName: `convoy-worker:${name}`,
      logger,
    });
    connections.push(connection);
    return connection;
  };
  const prefixes = redisKeyPrefixes(config.queuePrefix, redis.clusterNodes !== undefined);
  const cancellation = new JobCancellation(connect('cancellation'), prefixes.convoy);
  const control = new JobControl();
  // Sweeps: the trials' shared slots and curves, and the queues to read trials' states from.
  const sweepConnection = connect('sweeps');
  const sweeps = new SweepStore(sweepConnection, prefixes.convoy);
  const queues = new JobQueues({ connection: sweepConnection, prefix: config.queuePrefix, logger });
  const sweepContext = { sweeps, queues, logger };
  const unwatch = await cancellation.watch(connect('cancel-subscriber'), (id) => {
    if (control.stop(id, 'cancel')) logger.info({ jobId: id }, 'cancel requested');
  });
  const workerOptions = {
    concurrency: config.concurrency,
    prefix: prefixes.queue,
    lockDuration: config.lockDurationMs,
    stalledInterval: config.stalledIntervalMs,
    maxStalledCount: config.maxStalledCount,
    logger,
  };
  const trainContext = {
    threads,
    control,
    cancellation,
    logger,
    maxJobMemoryMb: config.maxJobMemoryMb,
    sweeps: sweepContext,
    precompute: {
      store,
      logger,
      dataDir: config.dataDir,
      officialDataDir: config.officialDataDir,
      threads: config.trainingThreads,
      mode: config.precompute,
      ensureBackend,
    },
  };
  const visualizeContext = {
    cancellation,
    logger,
    store,
    dataDir: config.dataDir,
    officialDataDir: config.officialDataDir,
    control,
    threads: config.trainingThreads,
  };
  const workers: Worker[] = config.queues.map((type) => {
    switch (type) {
      case 'train':
        return createJobWorker(
          'train',
          (job, data, token) => processTrainJob(trainContext, job, data, token),
          { ...workerOptions, connection: connect('train') },
        );
      case 'visualize':
        return createJobWorker(
          'visualize',
          (job, data, token) => processVisualizeJob(visualizeContext, job, data, token),
          { ...workerOptions, connection: connect('visualize') },
        );
      case 'sweep':
        // Ranking finished trials is light: several at once, whatever the training concurrency.
        return createJobWorker(
          'sweep',
          (job, data) => processSweepJob({ ...sweepContext, cancellation }, job, data),
          { ...workerOptions, concurrency: SWEEP_CONCURRENCY, connection: connect('sweep') },
        );
    }
  });
  for (const worker of workers) {
    worker.on('failed', (job, error) =>
      logger.warn({ jobId: job?.id, err: error.message }, 'job failed'),
    );
    worker.on('stalled', (jobId) => logger.warn({ jobId }, 'job stalled; it will be resumed'));
  }

  /**
   * Jobs first: each stops at its next batch, lands its checkpoint (retried for uploadRetryMs while
   * the store is down) and is handed back. Then Redis, which gets CLOSE_TIMEOUT_MS: with Redis away
   * BullMQ's close, an unsubscribe or a quit would wait for it forever, so after that every
   * connection is dropped; a job not handed back is recovered by BullMQ's stalled-job check.
   */
  const shutDown = async () => {
    const stopping = control.shutdown();
    logger.info({ stopping }, 'shutting down');
    // BullMQ stops taking jobs at once, then waits for the running ones and closes its connections.
    const workersClosed = Promise.all(workers.map((worker) => worker.close())).then(
      () => true,
      () => false,
    );
    await control.idle();
    const closed = await within(
      (async () => {
        if (!(await workersClosed)) return false;
        await unwatch();
        await queues.close();
        await Promise.all(connections.map((connection) => connection.quit()));
        return true;
      })(),
      CLOSE_TIMEOUT_MS,
      false,
    );
    if (!closed) {
      logger.warn(
        { timeoutMs: CLOSE_TIMEOUT_MS },
        'Redis did not answer: dropping its connections',
      );
      for (const connection of connections) connection.disconnect();
      // BullMQ's own blocking connections too; their close may never settle, so it is not awaited.
      for (const worker of workers) void worker.disconnect().catch(() => undefined);
    }
    await threads.close();
    store.close();
  };
  let closing: Promise<void> | null = null;
  return {
    backend,
    logger,
    readiness: () => checkReadiness({ workers, connections }),
    close: () => (closing ??= shutDown()),
  };
}
