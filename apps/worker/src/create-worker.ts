import type { Worker } from 'bullmq';
import { pino, type Logger } from 'pino';
import { initializeBackend, type ActiveBackend } from '@convoy/backend';
import {
  createJobWorker,
  createRedisConnection,
  redisKeyPrefixes,
  type RedisConnection,
  JobCancellation,
} from '@convoy/queue';
import { artifactStoreSettings, createArtifactStore, UploadQueue } from '@convoy/storage';
import type { WorkerConfig } from './config.js';
import { JobControl } from './job-control.js';
import { processTrainJob } from './train-processor.js';
import { TrainingThreadPool } from './training-thread-pool.js';
import { processVisualizeJob } from './visualize-processor.js';
import { checkReadiness, type HealthCheck } from './worker-health.js';

export interface ConvoyWorker {
  /** The backend jobs run on (training threads and visualizations start the same one). */
  readonly backend: ActiveBackend;
  readonly logger: Logger;
  /** Ready when its BullMQ workers run and Redis answers (the health server's /readyz). */
  readiness(): Promise<HealthCheck>;
  /**
   * Graceful stop (SIGTERM): running jobs finish their current batch, checkpoint and go back to the
   * queue; then threads and connections close.
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
  if (config.queues.includes('visualize') && config.queues.includes('train'))
    await initializeBackend(config.backend);
  logger.info(
    { backend: backend.name, device: backend.device, queues: config.queues },
    'compute backend ready',
  );

  const redis = { url: config.redisUrl, clusterNodes: config.redisClusterNodes };
  const connections: RedisConnection[] = [];
  const connect = (role: 'client' | 'blocking') => {
    const connection = createRedisConnection(redis, role);
    connections.push(connection);
    return connection;
  };
  const prefixes = redisKeyPrefixes(config.queuePrefix, redis.clusterNodes !== undefined);
  const cancellation = new JobCancellation(connect('blocking'), prefixes.convoy);
  const control = new JobControl();
  const unwatch = await cancellation.watch(connect('blocking'), (id) => {
    if (control.stop(id, 'cancel')) logger.info({ jobId: id }, 'cancel requested');
  });
  const workerOptions = {
    concurrency: config.concurrency,
    prefix: prefixes.queue,
    lockDuration: config.lockDurationMs,
    stalledInterval: config.stalledIntervalMs,
    maxStalledCount: config.maxStalledCount,
  };
  const trainContext = {
    threads,
    control,
    cancellation,
    logger,
    maxJobMemoryMb: config.maxJobMemoryMb,
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
  const workers: Worker[] = config.queues.map((type) =>
    type === 'train'
      ? createJobWorker(
          'train',
          (job, data, token) => processTrainJob(trainContext, job, data, token),
          {
            ...workerOptions,
            connection: connect('blocking'),
          },
        )
      : createJobWorker(
          'visualize',
          (job, data, token) => processVisualizeJob(visualizeContext, job, data, token),
          {
            ...workerOptions,
            connection: connect('blocking'),
          },
        ),
  );
  for (const worker of workers) {
    worker.on('failed', (job, error) =>
      logger.warn({ jobId: job?.id, err: error.message }, 'job failed'),
    );
    worker.on('stalled', (jobId) => logger.warn({ jobId }, 'job stalled; it will be resumed'));
    worker.on('error', (error) => logger.error({ err: error }, 'worker error'));
  }
  let closing: Promise<void> | null = null;
  return {
    backend,
    logger,
    readiness: () => checkReadiness({ workers, connections }),
    close() {
      closing ??= (async () => {
        const stopping = control.stopAll('shutdown');
        logger.info({ stopping }, 'shutting down');
        await Promise.all(workers.map((worker) => worker.close()));
        await threads.close();
        store.close();
        await unwatch();
        await Promise.all(
          connections.map((connection) => connection.quit().catch(() => connection.disconnect())),
        );
      })();
      return closing;
    },
  };
}
