import {
  artifactListSchema,
  cancelRequestedSchema,
  createdJobSchema,
  createdJobsSchema,
  healthSchema,
  jobCancelledSchema,
  jobDeletedSchema,
  jobListSchema,
  jobViewSchema,
  type ArtifactList,
  type CancelRequested,
  type CreatedJob,
  type CreatedJobs,
  type CreateJobRequest,
  type CreateJobsBatchRequest,
  type Health,
  type JobList,
  type JobCancelled,
  type JobDeleted,
  type JobModelFilter,
  type JobSortField,
  type JobState,
  type JobType,
  type JobView,
  type UpdateJobRequest,
} from '@convoy/schemas';
import { apiErrorOf, readBody, readJson, Transport } from './http.js';
import { followJobEvents, type JobEvent, type JobEventsOptions } from './job-events.js';
import { retryPolicyOf, type RetryOptions } from './retry.js';

export interface ConvoyClientOptions {
  /** Where the API listens (`http://127.0.0.1:3000`, optionally with a base path). */
  readonly baseUrl: string;
  /** The API's API_TOKEN, sent as `Authorization: Bearer …`. */
  readonly token?: string | undefined;
  /** Default: the global fetch (Node 20). */
  readonly fetch?: typeof fetch;
  /** Retries of GET, HEAD and DELETE (POST never retries); `false`: none, and no reconnecting. */
  readonly retry?: RetryOptions | false;
  /** Time limit of each attempt of a request (event streams have none); default: none. */
  readonly timeoutMs?: number | undefined;
}

/** `GET /v1/jobs` filters and page. */
export interface ListJobsQuery {
  readonly type?: JobType | undefined;
  readonly state?: JobState | undefined;
  /** 1–100; the API's default is 20. */
  readonly limit?: number | undefined;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string | undefined;
  /** Text in the id, name or tags; any of q, tag, model, sort, order makes the list a search. */
  readonly q?: string | undefined;
  readonly tag?: string | undefined;
  readonly model?: JobModelFilter | undefined;
  readonly sort?: JobSortField | undefined;
  readonly order?: 'asc' | 'desc' | undefined;
}

export interface DownloadOptions {
  /** Bytes `start`…`end` (inclusive); a server that ignores ranges answers 200 with every byte. */
  readonly range?: { readonly start: number; readonly end?: number | undefined } | undefined;
  /** An ETag from an earlier download: 304 without a body while the file is unchanged. */
  readonly ifNoneMatch?: string | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** One artifact file as the API answered it. */
export interface ArtifactDownload {
  readonly status: 200 | 206 | 304;
  /** Weak ETag (size + mtime): give it back as `ifNoneMatch`. */
  readonly etag: string | undefined;
  readonly contentType: string | undefined;
  /** Content-Length, when the server sent one. */
  readonly size: number | undefined;
  /** The bytes as a stream (null for 304): read it, or cancel it. */
  readonly body: ReadableStream<Uint8Array> | null;
  /** Reads the whole body (empty for 304). */
  bytes(): Promise<Uint8Array>;
}

/**
 * Convoy's REST API, typed: one method per `/v1` route plus `health()`. Every answer is parsed
 * with the API's own schemas (@convoy/schemas), so a body that does not match is an
 * UnexpectedResponseError rather than a silently wrong value. Errors: ApiError (the API's error
 * body; JobNotFoundError for an unknown job), ApiUnreachableError (no answer).
 */
export class ConvoyClient {
  private readonly transport: Transport;

  constructor(options: ConvoyClientOptions) {
    this.transport = new Transport({
      baseUrl: options.baseUrl,
      token: options.token,
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
      retry: retryPolicyOf(options.retry),
      timeoutMs: options.timeoutMs,
    });
  }

  /** `POST /v1/jobs` (never retried: a second attempt could enqueue a second job). */
  createJob(body: CreateJobRequest): Promise<CreatedJob> {
    return this.transport.json('/v1/jobs', { method: 'POST', body }, createdJobSchema);
  }

  /** `POST /v1/jobs:batch`: up to MAX_BATCH_JOBS jobs, all queued or none; ids in the order sent. */
  createJobs(jobs: CreateJobsBatchRequest['jobs']): Promise<CreatedJobs> {
    const body = { jobs } satisfies CreateJobsBatchRequest;
    return this.transport.json('/v1/jobs:batch', { method: 'POST', body }, createdJobsSchema);
  }

  /** `GET /v1/jobs`: one page, newest first. */
  listJobs(query: ListJobsQuery = {}): Promise<JobList> {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) search.set(name, String(value));
    }
    const path = search.size === 0 ? '/v1/jobs' : `/v1/jobs?${search}`;
    return this.transport.json(path, { method: 'GET' }, jobListSchema);
  }

  /** Every job matching `query`, newest first, page after page (`limit` is the page size). */
  async *allJobs(query: Omit<ListJobsQuery, 'cursor'> = {}): AsyncGenerator<JobView, void> {
    let cursor: string | undefined;
    do {
      const page = await this.listJobs({ ...query, cursor });
      yield* page.items;
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }

  /** `GET /v1/jobs/:id`; JobNotFoundError for an unknown id. */
  getJob(id: string): Promise<JobView> {
    return this.transport.json(jobPath(id), { method: 'GET' }, jobViewSchema);
  }

  /**
   * `DELETE /v1/jobs/:id`: a waiting job is removed (`cancelled`), a running one is asked to stop
   * (`active`, `cancelRequested`); a finished one is an ApiError 409 JOB_FINISHED.
   */
  async cancelJob(id: string): Promise<JobCancelled | CancelRequested> {
    const path = jobPath(id);
    const response = await this.transport.send(path, { method: 'DELETE' });
    const schema = response.status === 202 ? cancelRequestedSchema : jobCancelledSchema;
    return readJson<JobCancelled | CancelRequested>(response, `DELETE ${path}`, schema);
  }

  /** `PATCH /v1/jobs/:id`: sets (or with null clears) the job's name, tags and notes. */
  updateJob(id: string, body: UpdateJobRequest): Promise<JobView> {
    return this.transport.json(jobPath(id), { method: 'PATCH', body }, jobViewSchema);
  }

  /**
   * `POST /v1/jobs/:id/resume`: a cancelled or failed job goes back to the queue under its id and
   * resumes from its checkpoint; ApiError 409 JOB_NOT_RESUMABLE otherwise. Never retried.
   */
  resumeJob(id: string): Promise<CreatedJob> {
    return this.transport.json(`${jobPath(id)}/resume`, { method: 'POST' }, createdJobSchema);
  }

  /**
   * `DELETE /v1/jobs/:id?purge=true`: deletes a finished job, its artifacts and (for a training
   * run) its visualization jobs; ApiError 409 JOB_NOT_FINISHED for a waiting or active job.
   */
  deleteJob(id: string): Promise<JobDeleted> {
    return this.transport.json(`${jobPath(id)}?purge=true`, { method: 'DELETE' }, jobDeletedSchema);
  }

  /** `GET /v1/jobs/:id/artifacts`: every file of the job, sorted by path. */
  listArtifacts(id: string): Promise<ArtifactList> {
    return this.transport.json(`${jobPath(id)}/artifacts`, { method: 'GET' }, artifactListSchema);
  }

  /** `GET /v1/jobs/:id/artifacts/<path>` (`path` relative, `/`-separated: `model/model.json`). */
  async downloadArtifact(
    id: string,
    path: string,
    options: DownloadOptions = {},
  ): Promise<ArtifactDownload> {
    const { range, ifNoneMatch, signal } = options;
    const encodedPath = path.split('/').map(encodeURIComponent).join('/');
    const response = await this.transport.send(`${jobPath(id)}/artifacts/${encodedPath}`, {
      method: 'GET',
      headers: {
        accept: '*/*',
        ...(range === undefined ? {} : { range: `bytes=${range.start}-${range.end ?? ''}` }),
        ...(ifNoneMatch === undefined ? {} : { 'if-none-match': ifNoneMatch }),
      },
      signal,
    });
    if (response.status !== 200 && response.status !== 206 && response.status !== 304) {
      throw await apiErrorOf(response);
    }
    const length = response.headers.get('content-length');
    const body = response.status === 304 ? null : response.body;
    return {
      status: response.status as ArtifactDownload['status'],
      etag: response.headers.get('etag') ?? undefined,
      contentType: response.headers.get('content-type') ?? undefined,
      size: length === null ? undefined : Number(length),
      body,
      bytes: async () =>
        body === null ? new Uint8Array(0) : new Uint8Array(await response.arrayBuffer()),
    };
  }

  /**
   * `GET /v1/jobs/:id/events`: the job's events, typed, until its terminal event or until
   * `options.signal` aborts; a dropped stream is reopened (see followJobEvents).
   */
  events(id: string, options: JobEventsOptions = {}): AsyncGenerator<JobEvent, void, undefined> {
    return followJobEvents(this.transport, id, options);
  }

  /** `GET /healthz`: `ok`, or `unavailable` while the API cannot reach Redis (its 503 is an answer). */
  async health(): Promise<Health> {
    const response = await this.transport.send('/healthz', {
      method: 'GET',
      retryOnStatus: false,
    });
    if (response.status !== 200 && response.status !== 503) throw await apiErrorOf(response);
    return readBody(response, 'GET /healthz', healthSchema);
  }
}

function jobPath(id: string): string {
  return `/v1/jobs/${encodeURIComponent(id)}`;
}
