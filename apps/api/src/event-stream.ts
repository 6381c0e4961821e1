import {
  isTerminalState,
  trainingReportSchema,
  type EpochEvent,
  type EpochRecord,
  type JobState,
  type ProgressEvent,
  type TerminalJobState,
} from '@convoy/schemas';
import type { JobHandler } from './guards.js';
import type { JobEvent, JobEventHub } from './job-event-hub.js';
import type { JobLookup } from './job-lookup.js';
import { reportOf, stateOf, toJobView, type FoundJob } from './job-view.js';

/** SSE event names (docs/api.md): progress and epoch while a job runs, then one terminal event. */
export type StreamEventName = 'progress' | 'epoch' | TerminalJobState;

export interface EventStreamOptions {
  readonly hub: JobEventHub;
  readonly lookup: JobLookup;
  readonly heartbeatMs: number;
  /** How to end each open stream, so shutdown can (an open stream keeps the HTTP server open). */
  readonly openStreams: Set<() => void>;
}

/**
 * `GET /v1/jobs/:id/events`. On connect: a `progress` event with the job's current state and
 * progress; for a finished job also its terminal event, then the stream ends. While the job runs:
 * `epoch` for each epoch added to the report's history, `progress` for each report, and finally
 * `completed`, `failed` or `cancelled` with the job as `GET /v1/jobs/:id` shows it, then the end.
 * A comment line every `heartbeatMs` keeps idle connections open.
 */
export function streamJobEvents(options: EventStreamOptions): JobHandler {
  return async function jobEventStream(request, response, found) {
    const { id } = found;
    let closed = false;
    let historyLength = 0;
    let state: JobState = stateOf(found);
    /** Events that arrive while the first state is written go out after it, in order. */
    let pending: JobEvent[] | undefined = [];

    const write = (event: StreamEventName, data: unknown) => {
      if (!closed) response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      unsubscribe();
      options.openStreams.delete(close);
      response.end();
    };
    /** A job that completed, failed or was removed: epochs not sent yet, then its terminal event. */
    const sendFinished = (current: FoundJob) => {
      const view = toJobView(current);
      if (!isTerminalState(view.state)) {
        sendReport(current); // failed an attempt and will retry: still going
        return;
      }
      sendEpochs(view.history);
      state = view.state;
      write(view.state, view);
      close();
    };
    const sendEpochs = (history: readonly EpochRecord[]) => {
      for (const record of history.slice(historyLength)) {
        write('epoch', { id, ...record } satisfies EpochEvent);
      }
      historyLength = Math.max(historyLength, history.length);
    };
    /** `epoch` for each history entry not sent yet, then `progress`. */
    const sendReport = (current: FoundJob | undefined, data?: unknown) => {
      const report =
        data === undefined
          ? current?.kind === 'queued'
            ? reportOf(current.job)
            : null
          : (trainingReportSchema.safeParse(data).data ?? null);
      sendEpochs(report?.history ?? []);
      if (current !== undefined) state = stateOf(current);
      else if (state === 'waiting') state = 'active';
      write('progress', { id, state, progress: report?.progress ?? null } satisfies ProgressEvent);
    };
    const handle = (event: JobEvent) => {
      if (pending !== undefined) {
        pending.push(event);
      } else if (event.kind === 'progress') {
        sendReport(undefined, event.data);
      } else if (event.found !== undefined) {
        sendFinished(event.found);
      }
    };

    // Subscribe before reading the state again, so nothing that happens in between is lost.
    const unsubscribe = options.hub.subscribe(id, handle);
    const heartbeat = setInterval(() => {
      if (!closed) response.write(': heartbeat\n\n');
    }, options.heartbeatMs);
    heartbeat.unref();
    options.openStreams.add(close);
    response.on('close', close);

    response.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    response.flushHeaders();
    response.write('retry: 3000\n\n');

    let current: FoundJob = found;
    try {
      current = (await options.lookup.find(id)) ?? found;
    } catch (error) {
      request.log.warn({ err: error, jobId: id }, 'event stream: job lookup failed');
    }
    // The current state first; epochs already run count as sent (GET /v1/jobs/:id has them).
    const initial = current.kind === 'queued' ? reportOf(current.job) : null;
    historyLength = initial?.history.length ?? 0;
    state = stateOf(current);
    write('progress', { id, state, progress: initial?.progress ?? null } satisfies ProgressEvent);
    if (isTerminalState(state)) {
      const view = toJobView(current);
      write(view.state as TerminalJobState, view);
      close();
      return;
    }
    const queued = pending;
    pending = undefined;
    for (const event of queued) handle(event);
  };
}
