import type { RequestHandler } from 'express';
import type { JobState as BullJobState } from 'bullmq';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { isTerminalState, JOB_TYPES, trainingResultSchema, type JobState } from '@convoy/schemas';
import { QUEUE_NAMES, type JobQueues } from '@convoy/queue';
import type { FoundJob } from './job-view.js';
import { convoyStateOf } from './job-view.js';

/** BullMQ's counters, folded into Convoy's states (cancelled jobs of a worker count as failed). */
const BULL_STATES: Readonly<Record<BullJobState, Exclude<JobState, 'cancelled'>>> = {
  waiting: 'waiting',
  delayed: 'waiting',
  prioritized: 'waiting',
  // A sweep whose trials run (BullMQ holds a flow's parent until its children finish).
  'waiting-children': 'active',
  active: 'active',
  completed: 'completed',
  failed: 'failed',
};
const COUNTED_STATES = Object.keys(BULL_STATES) as BullJobState[];
/** Jobs not started yet: what a worker pool still has to do. */
const DEPTH_STATES: BullJobState[] = ['waiting', 'delayed', 'prioritized'];

export interface ApiMetrics {
  readonly registry: Registry;
  /** Counts each response by method, route pattern (never the raw URL) and status. */
  readonly countRequests: RequestHandler;
  /** Observes a finished job's duration and, for training, its throughput. */
  observeFinished(found: FoundJob): void;
}

/**
 * Prometheus metrics in a registry of their own (never prom-client's global one, so several APIs
 * in one process, as in tests, do not collide). Job counts are read from Redis at scrape time.
 */
export function createMetrics(
  queues: JobQueues,
  sources: { readonly openEventStreams: () => number },
): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  new Gauge({
    name: 'convoy_jobs',
    help: 'Jobs in Redis by type and state (cancelled active jobs count as failed)',
    labelNames: ['type', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const type of JOB_TYPES) {
        const counts = await queues.queue(type).getJobCounts(...COUNTED_STATES);
        const totals: Record<string, number> = { waiting: 0, active: 0, completed: 0, failed: 0 };
        for (const [bullState, count] of Object.entries(counts)) {
          const state = BULL_STATES[bullState as BullJobState];
          if (state !== undefined) totals[state] = (totals[state] ?? 0) + count;
        }
        for (const [state, count] of Object.entries(totals)) this.set({ type, state }, count);
      }
    },
  });

  new Gauge({
    name: 'convoy_queue_depth',
    help: 'Jobs waiting for a worker, per BullMQ queue',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      for (const type of JOB_TYPES) {
        const counts = await queues.queue(type).getJobCounts(...DEPTH_STATES);
        const depth = Object.values(counts).reduce((total, count) => total + count, 0);
        this.set({ queue: QUEUE_NAMES[type] }, depth);
      }
    },
  });

  const duration = new Histogram({
    name: 'convoy_job_duration_seconds',
    help: 'Run time of finished jobs (last attempt: processedOn to finishedOn)',
    labelNames: ['type'] as const,
    buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200],
    registers: [registry],
  });

  const imagesPerSecond = new Gauge({
    name: 'convoy_training_images_per_second',
    help: 'Training throughput of the last completed train job',
    registers: [registry],
  });

  new Gauge({
    name: 'convoy_event_streams',
    help: 'Open Server-Sent Events streams (GET /v1/jobs/:id/events)',
    registers: [registry],
    collect() {
      this.set(sources.openEventStreams());
    },
  });

  const requests = new Counter({
    name: 'convoy_http_requests_total',
    help: 'HTTP responses by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });

  return {
    registry,
    countRequests: function countRequests(request, response, next) {
      response.on('finish', () => {
        const routePath: unknown = request.route?.path;
        const route =
          typeof routePath === 'string'
            ? routePath
            : request.originalUrl.startsWith('/admin/queues')
              ? '/admin/queues'
              : 'unmatched';
        requests.inc({ method: request.method, route, status: String(response.statusCode) });
      });
      next();
    },
    observeFinished(found) {
      if (found.kind !== 'queued') return;
      const { job } = found;
      const state = convoyStateOf(found.bullState, job.failedReason);
      if (!isTerminalState(state)) return;
      // A sweep runs from its creation (its trials), not from when its ranking started.
      const started = found.type === 'sweep' ? job.timestamp : job.processedOn;
      if (started && job.finishedOn && job.finishedOn >= started) {
        duration.observe({ type: found.type }, (job.finishedOn - started) / 1000);
      }
      if (found.type === 'train' && state === 'completed') {
        const result = trainingResultSchema.safeParse(job.returnvalue);
        if (result.success) imagesPerSecond.set(result.data.imagesPerSecond);
      }
    },
  };
}
