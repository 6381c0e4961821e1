import { FlowProducer, Queue, type FlowJob, type Job, type JobsOptions } from 'bullmq';
import { Cluster } from 'ioredis';
import {
  redisKeyPrefixes,
  type RedisConnection,
  type RedisKeyPrefixes,
} from './redis-connection.js';
import type {
  CreateBatchJobBody,
  CreateSweepJobBody,
  JobType,
  SweepAssignment,
  TrainingParams,
} from '@convoy/schemas';
import { JobCancellation } from './cancellation.js';
import {
  JOB_DATA_SCHEMAS,
  type SweepJobData,
  type TrainJobData,
  type VisualizeJobData,
} from './job-data.js';
import { createJobId, jobTypeOf } from './job-ids.js';
import { JobIndex } from './job-index.js';
import { JobMetadataStore } from './job-metadata.js';
import { QUEUE_NAMES } from './queue-names.js';
import { logRedisErrors, type RedisLogger } from './redis-errors.js';

const DAY_SECONDS = 24 * 3600;

/** Transient failures (Redis blips, a worker's disk filling) retry with backoff; others are UnrecoverableError. */
export const DEFAULT_JOB_OPTIONS: Readonly<Record<JobType, JobsOptions>> = {
  train: {
    attempts: 3,
    backoff: { type: 'exponential', delay: 5_000 },
    removeOnComplete: { age: 30 * DAY_SECONDS },
    removeOnFail: { age: 30 * DAY_SECONDS },
  },
  visualize: {
    attempts: 3,
    backoff: { type: 'exponential', delay: 1_000 },
    removeOnComplete: { age: 30 * DAY_SECONDS },
    removeOnFail: { age: 30 * DAY_SECONDS },
  },
  sweep: {
    attempts: 3,
    backoff: { type: 'exponential', delay: 1_000 },
    removeOnComplete: { age: 30 * DAY_SECONDS },
    removeOnFail: { age: 30 * DAY_SECONDS },
  },
};

export type AnyJob = Job<TrainJobData> | Job<VisualizeJobData> | Job<SweepJobData>;

/** A trial as the API planned it: its position, values and training params. */
export interface SweepTrialInput {
  readonly trial: number;
  readonly assignment: SweepAssignment;
  readonly params: TrainingParams;
}

/** What enqueueSweep created. */
export interface EnqueuedSweep {
  readonly id: string;
  readonly trialIds: string[];
}

/** Longest run name (RUN_NAME_MAX_LENGTH); a trial's name is cut to it. */
const NAME_LIMIT = 100;

/** A job queued by `enqueueMany`. */
export interface EnqueuedJob {
  readonly id: string;
  readonly type: JobType;
}

export interface JobQueuesOptions {
  readonly connection: RedisConnection;
  /** BullMQ key prefix (default `bull`, or `{convoy}` on a cluster); tests use their own to stay apart. */
  readonly prefix?: string | undefined;
  readonly jobOptions?: Partial<Record<JobType, JobsOptions>> | undefined;
  /** Receives the queues' errors (BullMQ relays the connection's), rate-limited; default stderr. */
  readonly logger?: RedisLogger | undefined;
}

/** The producer side: the three queues, the job index and cancellation, on one connection. */
export class JobQueues {
  readonly train: Queue<TrainJobData>;
  readonly visualize: Queue<VisualizeJobData>;
  readonly sweep: Queue<SweepJobData>;
  readonly index: JobIndex;
  readonly cancellation: JobCancellation;
  readonly metadata: JobMetadataStore;
  readonly prefixes: RedisKeyPrefixes;
  /** For batches: its addBulk is one MULTI across both queues (Queue.addBulk only pipelines). */
  private readonly flows: FlowProducer;
  private readonly jobOptions: Record<JobType, JobsOptions>;

  constructor(private readonly options: JobQueuesOptions) {
    this.prefixes = redisKeyPrefixes(options.prefix, options.connection instanceof Cluster);
    const common = {
      connection: options.connection,
      ...(this.prefixes.queue ? { prefix: this.prefixes.queue } : {}),
    };
    this.train = new Queue<TrainJobData>(QUEUE_NAMES.train, common);
    this.visualize = new Queue<VisualizeJobData>(QUEUE_NAMES.visualize, common);
    this.sweep = new Queue<SweepJobData>(QUEUE_NAMES.sweep, common);
    this.flows = new FlowProducer(common);
    for (const queue of [this.train, this.visualize, this.sweep])
      logRedisErrors(queue, `queue:${queue.name}`, options.logger);
    logRedisErrors(this.flows, 'flow-producer', options.logger);
    this.index = new JobIndex(options.connection, this.prefixes.convoy);
    this.cancellation = new JobCancellation(options.connection, this.prefixes.convoy);
    this.metadata = new JobMetadataStore(options.connection, this.prefixes.convoy);
    this.jobOptions = {
      train: { ...DEFAULT_JOB_OPTIONS.train, ...options.jobOptions?.train },
      visualize: { ...DEFAULT_JOB_OPTIONS.visualize, ...options.jobOptions?.visualize },
      sweep: { ...DEFAULT_JOB_OPTIONS.sweep, ...options.jobOptions?.sweep },
    };
  }

  queue(type: JobType): Queue<TrainJobData> | Queue<VisualizeJobData> | Queue<SweepJobData> {
    return type === 'train' ? this.train : type === 'visualize' ? this.visualize : this.sweep;
  }

  /**
   * Parses the payload again (the API already did) so nothing malformed ever reaches Redis. The job
   * first: BullMQ waits for the connection to be ready, which Convoy's own commands (no offline
   * queue) need too.
   */
  async enqueue(body: CreateBatchJobBody, createdBy?: string): Promise<AnyJob> {
    const id = createJobId(body.type);
    const createdAt = Date.now();
    const options = { ...this.jobOptions[body.type], jobId: id, timestamp: createdAt };
    const job = await (body.type === 'train'
      ? this.train.add(
          'train',
          JOB_DATA_SCHEMAS.train.parse({ params: body.params, createdBy }),
          options,
        )
      : this.visualize.add(
          'visualize',
          JOB_DATA_SCHEMAS.visualize.parse({ params: body.params, createdBy }),
          options,
        ));
    // After the run's metadata: a job listed is a job whose name and run link are known.
    await this.recordRun(id, body, createdAt);
    await this.index.add(id, body.type, createdAt);
    return job;
  }

  /**
   * Queues every job or none: the jobs go in one MULTI (FlowProducer.addBulk, jobs without
   * children), after their index entries; if the MULTI fails the entries are taken back.
   */
  async enqueueMany(
    bodies: readonly CreateBatchJobBody[],
    createdBy?: string,
  ): Promise<EnqueuedJob[]> {
    // The index and metadata commands go first, on a connection without an offline queue.
    await this.train.waitUntilReady();
    const createdAt = Date.now();
    const flows: FlowJob[] = [];
    const jobs: EnqueuedJob[] = bodies.map((body) => {
      const id = createJobId(body.type);
      const data = JOB_DATA_SCHEMAS[body.type].parse({ params: body.params, createdBy });
      flows.push({
        name: body.type,
        queueName: QUEUE_NAMES[body.type],
        data,
        opts: { ...this.jobOptions[body.type], jobId: id, timestamp: createdAt },
      });
      return { id, type: body.type };
    });
    await Promise.all(
      jobs.map(({ id }, position) => this.recordRun(id, bodies[position], createdAt)),
    );
    await this.index.addMany(jobs, createdAt);
    try {
      await this.flows.addBulk(flows);
    } catch (error) {
      await this.index.removeMany(jobs).catch(() => undefined);
      throw error;
    }
    return jobs;
  }

  /**
   * A sweep and its trials as one BullMQ flow, in one MULTI: the sweep's job waits (BullMQ's
   * waiting-children) until every trial has finished, then a worker ranks them. Trials are ordinary
   * training jobs, named and tagged after the sweep, listed beside it; a trial that fails or is
   * cancelled does not hold the sweep up (ignoreDependencyOnFailure).
   */
  async enqueueSweep(
    body: CreateSweepJobBody,
    trials: readonly SweepTrialInput[],
    createdBy?: string,
  ): Promise<EnqueuedSweep> {
    await this.train.waitUntilReady();
    const createdAt = Date.now();
    const id = createJobId('sweep');
    const trialIds = trials.map(() => createJobId('train', createdAt));
    const { metric, maxConcurrent, earlyTermination } = body.params;
    const sweepName = body.name ?? id;
    const trialTags = [...new Set([...(body.tags ?? []), `sweep:${id}`])];
    const children: FlowJob[] = trials.map(({ trial, params }, position) => ({
      name: 'train',
      queueName: QUEUE_NAMES.train,
      data: JOB_DATA_SCHEMAS.train.parse({
        params,
        createdBy,
        sweep: { id, trial, metric, maxConcurrent, earlyTermination },
      }),
      opts: {
        ...this.jobOptions.train,
        jobId: trialIds[position],
        timestamp: createdAt,
        ignoreDependencyOnFailure: true,
      },
    }));
    const data = JOB_DATA_SCHEMAS.sweep.parse({
      params: body.params,
      trials: trials.map(({ assignment }, position) => ({ id: trialIds[position], assignment })),
      createdBy,
    });
    // Three round trips whatever the trial count: metadata, index entries, the flow.
    await this.metadata.updateMany([
      [id, body],
      ...trials.map(
        ({ trial, assignment }, position) =>
          [
            trialIds[position] ?? '',
            { name: trialName(sweepName, trial, assignment), tags: trialTags },
          ] as const,
      ),
    ]);
    // The sweep last: newest, so listed above its trials.
    const indexed = [
      ...trialIds.map((trialId) => ({ id: trialId, type: 'train' as const })),
      { id, type: 'sweep' as const },
    ];
    await this.index.addMany(indexed, createdAt);
    try {
      await this.flows.add({
        name: 'sweep',
        queueName: QUEUE_NAMES.sweep,
        data,
        opts: { ...this.jobOptions.sweep, jobId: id, timestamp: createdAt },
        children,
      });
    } catch (error) {
      await this.index.removeMany(indexed).catch(() => undefined);
      throw error;
    }
    return { id, trialIds };
  }

  /**
   * Queues a job again under its own id, with its original creation time: resuming a job that was
   * cancelled while waiting (its BullMQ job was removed; the index still lists it).
   */
  async requeue(
    id: string,
    type: Exclude<JobType, 'sweep'>,
    params: unknown,
    createdAt: number,
  ): Promise<AnyJob> {
    const options = { ...this.jobOptions[type], jobId: id, timestamp: createdAt };
    return type === 'train'
      ? this.train.add('train', JOB_DATA_SCHEMAS.train.parse({ params }), options)
      : this.visualize.add('visualize', JOB_DATA_SCHEMAS.visualize.parse({ params }), options);
  }

  /** A run's name, tags and notes, and a visualization's link to its run (when there are any). */
  private async recordRun(
    id: string,
    body: CreateBatchJobBody | CreateSweepJobBody | undefined,
    createdAt: number,
  ): Promise<void> {
    if (body === undefined) return;
    if (body.name !== undefined || body.tags !== undefined || body.notes !== undefined)
      await this.metadata.update(id, body);
    if (body.type === 'visualize')
      await this.metadata.linkVisualization(body.params.jobId, id, createdAt);
  }

  /** The BullMQ job behind an id, or undefined (unknown id, or removed). */
  async find(id: string): Promise<AnyJob | undefined> {
    const type = jobTypeOf(id);
    if (type === null) return undefined;
    return (await this.queue(type).getJob(id)) ?? undefined;
  }

  async close(): Promise<void> {
    await Promise.all([
      this.train.close(),
      this.visualize.close(),
      this.sweep.close(),
      this.flows.close(),
    ]);
  }
}

/** `my sweep #3 model.preset=cnn, optimizer.learningRate=0.001`, cut to a run name's length. */
function trialName(sweepName: string, trial: number, assignment: SweepAssignment): string {
  const values = Object.entries(assignment)
    .map(([path, value]) => `${path.split('.').at(-1) ?? path}=${String(value)}`)
    .join(' ');
  const name = `${sweepName} #${trial} ${values}`;
  return name.length <= NAME_LIMIT ? name : `${name.slice(0, NAME_LIMIT - 1)}…`;
}

/**
 * Deletes every key under a BullMQ prefix (its queues and Convoy's index and cancellations): for
 * tests and benchmarks that ran a stack on a throwaway prefix. Never call it with a shared prefix.
 */
export async function removeQueuePrefix(
  connection: RedisConnection,
  prefix: string,
): Promise<void> {
  if (!/^(test|bench)-/.test(prefix))
    throw new Error(`refusing to remove keys of prefix "${prefix}" (only test-* and bench-*)`);
  // SCAN walks one server: on a cluster, every master's share of the keys.
  const servers = connection instanceof Cluster ? connection.nodes('master') : [connection];
  for (const server of servers) {
    let cursor = '0';
    do {
      const [next, keys] = await server.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      // One DEL per key: on a cluster, keys of different slots cannot share a command.
      await Promise.all(keys.map((key) => server.del(key)));
      cursor = next;
    } while (cursor !== '0');
  }
}
