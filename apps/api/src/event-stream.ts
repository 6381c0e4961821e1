import { Router, type Request, type RequestHandler, type Response } from 'express';
import {
  eventIdSchema,
  eventStreamQuerySchema,
  isTerminalState,
  jobIdSchema,
  type EpochEvent,
  type EpochRecord,
  type JobState,
  type JobView,
  type ProgressEvent,
  type SweepSummary,
  type TerminalJobState,
  type TrainingReport,
} from '@convoy/schemas';
import type { EventStreams } from './event-streams.js';
import { methodNotAllowed } from './guards.js';
import { jobNotFound, validationFailed } from './http-error.js';
import type { JobEvent, JobEventHub } from './job-event-hub.js';
import type { JobLookup } from './job-lookup.js';
import { reportOf, stateOf, toJobView, type FoundJob } from './job-view.js';
import { parseRequest } from './validation.js';
import type { SweepJobData } from '@convoy/queue';

/** SSE event names (docs/api.md): progress and epoch while a job runs, then one terminal event. */
export type StreamEventName = 'progress' | 'epoch' | TerminalJobState;

/** The reconnection delay the stream asks clients for (`retry:`). */
export const RETRY_MS = 3_000;
/** A sweep's stream sends its summary at most this often while its trials report. */
export const SWEEP_PROGRESS_INTERVAL_MS = 1_000;

export interface EventStreamOptions {
  readonly hub: JobEventHub;
  readonly lookup: JobLookup;
  /** Caps, heartbeats and shutdown of every open stream. */
  readonly streams: EventStreams;
}

/**
 * Where a client resumes, from the id of the last event it received: `<n>` means it has the first
 * n epochs, `<n>.end` that it also had the terminal event.
 */
export interface StreamPosition {
  readonly epochs: number;
  readonly ended: boolean;
}

export function parseEventId(id: string): StreamPosition {
  const [epochs = '0', end] = eventIdSchema.parse(id).split('.');
  return { epochs: Number(epochs), ended: end !== undefined };
}

export function formatEventId(position: StreamPosition): string {
  return `${position.epochs}${position.ended ? '.end' : ''}`;
}

/** The route of a job's events. */
export function createEventsRouter(options: EventStreamOptions): Router {
  const router = Router();
  router
    .route('/v1/jobs/:id/events')
    .get(streamJobEvents(options))
    .all(methodNotAllowed(['GET']));
  return router;
}

/**
 * `GET /v1/jobs/:id/events`. Every event has an `id:` (see StreamPosition). Without
 * `Last-Event-ID` the stream starts with a `progress` event of the job's current state (epochs
 * already run are not repeated: GET /v1/jobs/:id has them); with one, it first sends the `epoch`
 * events after that id, from the job's own history in Redis, so a client that reconnects (after
 * an API restart, on any API process) misses none and gets none twice. Progress in between is
 * coalesced into the latest. Then: `epoch` for each epoch added to the report's history,
 * `progress` for each report, finally `completed`, `failed` or `cancelled` with the job as
 * `GET /v1/jobs/:id` shows it, and the end. A client that resumes after the terminal event gets
 * 204, which tells EventSource to stop reconnecting.
 */
export function streamJobEvents(options: EventStreamOptions): RequestHandler {
  return async function jobEventStream(request, response) {
    const id = String(request.params.id ?? '');
    if (!jobIdSchema.safeParse(id).success) throw jobNotFound(id);
    const resume = resumePositionOf(request);
    const stream = new JobEventStream(id, response);
    // Subscribe before reading the job, so nothing that happens in between is lost; the caps
    // apply before anything is read.
    stream.open(options.streams, clientOf(request));
    const unsubscribe = options.hub.subscribe(id, (event) => stream.handle(event));
    stream.onClose(unsubscribe);
    let found: FoundJob | undefined;
    try {
      found = await options.lookup.findShared(id);
    } catch (error) {
      stream.abandon();
      throw error;
    }
    if (found === undefined) {
      stream.abandon();
      throw jobNotFound(id);
    }
    if (resume?.ended && isTerminalState(stateOf(found))) {
      stream.abandon();
      response.status(204).end();
      return;
    }
    stream.start(found, resume);
    if (found.type === 'sweep' && found.kind === 'queued') followTrials(options, stream, found);
  };
}

/**
 * A sweep's stream hears its trials: whenever one reports (progress, an epoch, its end), the sweep
 * is read again — at most every SWEEP_PROGRESS_INTERVAL_MS, and once for all streams reading it
 * then — and a `progress` event carries its summary.
 */
function followTrials(
  options: EventStreamOptions,
  stream: JobEventStream,
  found: Extract<FoundJob, { kind: 'queued' }>,
): void {
  let timer: NodeJS.Timeout | undefined;
  const refresh = () => {
    timer = undefined;
    options.lookup.findShared(found.id).then(
      (current) => {
        if (current !== undefined) stream.refreshSweep(current);
      },
      () => undefined, // the next report tries again
    );
  };
  const schedule = () => {
    timer ??= setTimeout(refresh, SWEEP_PROGRESS_INTERVAL_MS);
  };
  for (const { id } of (found.job.data as SweepJobData).trials)
    stream.onClose(options.hub.subscribe(id, schedule));
  stream.onClose(() => clearTimeout(timer));
}

/** `Last-Event-ID`, or `?lastEventId=` for clients that cannot send headers (a new EventSource). */
function resumePositionOf(request: Request): StreamPosition | undefined {
  const query = parseRequest(eventStreamQuerySchema, request.query, 'query');
  const header = request.headers['last-event-id'];
  if (header !== undefined) {
    const parsed = eventIdSchema.safeParse(header);
    if (!parsed.success) {
      throw validationFailed('invalid Last-Event-ID: not an id this stream gave', [
        { path: 'Last-Event-ID', message: 'expected <epochs> or <epochs>.end' },
      ]);
    }
    return parseEventId(parsed.data);
  }
  return query.lastEventId === undefined ? undefined : parseEventId(query.lastEventId);
}

/** The client's address; streams are capped per address. */
function clientOf(request: Request): string {
  return request.socket.remoteAddress ?? 'unknown';
}

/** One client's stream of one job's events. */
class JobEventStream {
  /** Epochs the client has (from its Last-Event-ID, or as many as the job had when it connected). */
  private epochsSent = 0;
  private state: JobState = 'waiting';
  /** Events that arrive before the first state is written go out after it, in order. */
  private pending: JobEvent[] | undefined = [];
  private started = false;
  private closed = false;
  private readonly cleanups: (() => void)[] = [];

  constructor(
    private readonly id: string,
    private readonly response: Response,
  ) {}

  /** Takes a place among the open streams (or throws 429/503) and frees it when the stream ends. */
  open(streams: EventStreams, client: string): void {
    const release = streams.admit({
      client,
      write: (text) => {
        if (this.started) this.writeRaw(text);
      },
      close: () => this.close(),
    });
    this.cleanups.push(release);
    this.response.on('close', () => this.close());
  }

  onClose(cleanup: () => void): void {
    this.cleanups.push(cleanup);
  }

  /** Gives the place up before anything was written (the request ends in an error answer). */
  abandon(): void {
    this.closed = true;
    this.runCleanups();
  }

  /** Headers, `retry:`, the replay or current state, then what arrived meanwhile. */
  start(found: FoundJob, resume: StreamPosition | undefined): void {
    if (this.closed) {
      // Shut down while the job was read; a client that went away hears nothing either way.
      if (!this.response.headersSent) this.response.status(503).end();
      return;
    }
    this.started = true;
    this.response.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    this.response.flushHeaders();
    this.writeRaw(`retry: ${RETRY_MS}\n\n`);
    this.state = stateOf(found);
    if (isTerminalState(this.state)) {
      this.sendFinished(toJobView(found), resume);
      return;
    }
    const report = found.kind === 'queued' ? reportOf(found.job) : null;
    const history = report?.history ?? [];
    if (resume === undefined) this.epochsSent = history.length;
    else {
      this.epochsSent = resume.epochs;
      this.sendEpochs(history);
    }
    this.sendProgress(report, found.kind === 'queued' ? found.sweep : undefined);
    const queued = this.pending ?? [];
    this.pending = undefined;
    for (const event of queued) this.handle(event);
  }

  /** A sweep read again after its trials reported: its summary, or its end. */
  refreshSweep(found: FoundJob): void {
    if (this.closed || this.pending !== undefined) return;
    const view = toJobView(found);
    this.state = view.state;
    if (isTerminalState(view.state)) this.sendFinished(view, undefined);
    else this.sendProgress(null, found.kind === 'queued' ? found.sweep : undefined);
  }

  handle(event: JobEvent): void {
    if (this.closed) return;
    if (this.pending !== undefined) {
      this.pending.push(event);
    } else if (event.kind === 'progress') {
      this.sendEpochs(event.report?.history ?? []);
      if (this.state === 'waiting') this.state = 'active';
      this.sendProgress(event.report);
    } else if (event.found !== undefined) {
      const view = toJobView(event.found);
      this.state = view.state;
      if (isTerminalState(view.state)) {
        this.sendFinished(view, undefined);
      } else {
        // Failed an attempt and will retry: still going.
        const report = event.found.kind === 'queued' ? reportOf(event.found.job) : null;
        this.sendEpochs(report?.history ?? []);
        this.sendProgress(report);
      }
    }
  }

  /** A finished job: epochs not sent yet, the current state when it is all the client gets, then the terminal event. */
  private sendFinished(view: JobView, resume: StreamPosition | undefined): void {
    if (this.pending !== undefined) {
      // Connecting to a job that has already finished.
      this.pending = undefined;
      if (resume === undefined) {
        this.epochsSent = view.history.length;
        this.send('progress', { id: this.id, state: view.state, progress: view.progress });
      } else {
        this.epochsSent = resume.epochs;
        this.sendEpochs(view.history);
      }
    } else {
      this.sendEpochs(view.history);
    }
    this.write(view.state as TerminalJobState, view, { epochs: this.epochsSent, ended: true });
    this.close();
  }

  /** `epoch` for each history entry the client does not have yet; the id is its position. */
  private sendEpochs(history: readonly EpochRecord[]): void {
    for (let index = this.epochsSent; index < history.length; index += 1) {
      const record = history[index] as EpochRecord;
      this.epochsSent = index + 1;
      this.send('epoch', { id: this.id, ...record } satisfies EpochEvent);
    }
  }

  private sendProgress(report: TrainingReport | null, sweep?: SweepSummary): void {
    this.send('progress', {
      id: this.id,
      state: this.state,
      progress: report?.progress ?? null,
      ...(report?.stage === undefined ? {} : { stage: report.stage }),
      ...(report?.backend === undefined ? {} : { backend: report.backend }),
      ...(report?.device === undefined ? {} : { device: report.device }),
      ...(sweep === undefined ? {} : { sweep }),
    } satisfies ProgressEvent);
  }

  private send(event: StreamEventName, data: unknown): void {
    this.write(event, data, { epochs: this.epochsSent, ended: false });
  }

  private write(event: StreamEventName, data: unknown, position: StreamPosition): void {
    this.writeRaw(
      `id: ${formatEventId(position)}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`,
    );
  }

  private writeRaw(text: string): void {
    if (!this.closed) this.response.write(text);
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.runCleanups();
    if (this.started) this.response.end();
  }

  private runCleanups(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }
}
