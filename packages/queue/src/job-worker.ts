import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { RedisConnection } from './redis-connection.js';
import type { JobType } from '@convoy/schemas';
import { JOB_DATA_SCHEMAS, type JobDataByType } from './job-data.js';
import { QUEUE_NAMES } from './queue-names.js';
import { logRedisErrors, type RedisLogger } from './redis-errors.js';

export type JobProcessor<T extends JobType> = (
  job: Job<JobDataByType[T]>,
  data: JobDataByType[T],
  token: string | undefined,
) => Promise<unknown>;

export interface JobWorkerOptions {
  /** A blocking connection (maxRetriesPerRequest: null), dedicated to this worker. */
  readonly connection: RedisConnection;
  readonly concurrency?: number | undefined;
  readonly prefix?: string | undefined;
  /** How long a job's lock lives without renewal; a dead worker's job is recovered after it. */
  readonly lockDuration?: number | undefined;
  readonly stalledInterval?: number | undefined;
  /** Stalls (worker deaths) a job survives before failing; each resumes from its checkpoint. */
  readonly maxStalledCount?: number | undefined;
  readonly autorun?: boolean | undefined;
  /**
   * Receives the worker's errors, rate-limited: BullMQ relays those of its connections (its own
   * blocking one included) and adds its own. Default: JSON lines on stderr.
   */
  readonly logger?: RedisLogger | undefined;
}

/**
 * A BullMQ worker for one job type whose processor receives the payload parsed by the same zod
 * schema the API used: a payload that does not parse can never succeed, so it fails at once.
 */
export function createJobWorker<T extends JobType>(
  type: T,
  processor: JobProcessor<T>,
  options: JobWorkerOptions,
): Worker<JobDataByType[T]> {
  const schema = JOB_DATA_SCHEMAS[type];
  const worker = new Worker<JobDataByType[T]>(
    QUEUE_NAMES[type],
    async (job, token) => {
      const parsed = schema.safeParse(job.data);
      if (!parsed.success) {
        throw new UnrecoverableError(
          `invalid ${type} job payload: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
        );
      }
      return processor(job, parsed.data as JobDataByType[T], token);
    },
    {
      connection: options.connection,
      concurrency: options.concurrency ?? 1,
      ...(options.prefix ? { prefix: options.prefix } : {}),
      lockDuration: options.lockDuration ?? 30_000,
      stalledInterval: options.stalledInterval ?? 30_000,
      maxStalledCount: options.maxStalledCount ?? 3,
      autorun: options.autorun ?? true,
    },
  );
  logRedisErrors(worker, `worker:${QUEUE_NAMES[type]}`, options.logger);
  return worker;
}
