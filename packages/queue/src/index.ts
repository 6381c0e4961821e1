export {
  CANCELLED_REASON,
  convoyStateOf,
  JobCancellation,
  type RemovedJobRecord,
} from './cancellation.js';
export {
  attemptsStarted,
  JOB_DATA_SCHEMAS,
  sweepJobDataSchema,
  trainJobDataSchema,
  visualizeJobDataSchema,
  type JobDataByType,
  type SweepJobData,
  type TrainJobData,
  type VisualizeJobData,
} from './job-data.js';
export { createJobId, jobTypeOf } from './job-ids.js';
export { EMPTY_RUN_METADATA, JobMetadataStore, type RunMetadataUpdate } from './job-metadata.js';
export { InvalidCursorError, JobIndex, type JobIndexPage } from './job-index.js';
export {
  DEFAULT_JOB_OPTIONS,
  JobQueues,
  removeQueuePrefix,
  type AnyJob,
  type EnqueuedJob,
  type EnqueuedSweep,
  type JobQueuesOptions,
  type SweepTrialInput,
} from './job-queues.js';
export { SweepStore } from './sweep-store.js';
export { loadTrialRecords, type TrialSource } from './sweep-trials.js';
export { createJobWorker, type JobProcessor, type JobWorkerOptions } from './job-worker.js';
export { CONVOY_KEY_PREFIX, QUEUE_NAMES } from './queue-names.js';
export {
  CLUSTER_QUEUE_PREFIX,
  createRedisConnection,
  pingRedis,
  redisKeyPrefixes,
  type RedisConnection,
  type RedisConnectionOptions,
  type RedisKeyPrefixes,
  type RedisNode,
  type RedisRole,
  type RedisTarget,
} from './redis-connection.js';
export {
  defaultRedisLogger,
  logRedisErrors,
  REDIS_ERROR_LOG_INTERVAL_MS,
  RedisErrorLog,
  redisErrorReason,
  type RedisErrorLogOptions,
  type RedisLogger,
} from './redis-errors.js';
