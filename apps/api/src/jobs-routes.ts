import express, { Router, type RequestHandler } from 'express';
import {
  createJobBodySchema,
  createJobsBatchBodySchema,
  isJobSearch,
  isTerminalState,
  type CreateBatchJobBody,
  type CreatedJobs,
  listJobsQuerySchema,
  type CreatedJob,
  type JobList,
  type JobView,
  type ListJobsQuery,
} from '@convoy/schemas';
import type { JobQueues } from '@convoy/queue';
import type { ArtifactStore } from '@convoy/storage';
import { downloadArtifact, listArtifacts } from './artifacts.js';
import { methodNotAllowed, withJob, type JobHandler } from './guards.js';
import { HttpError, validationFailed } from './http-error.js';
import { checkTrainingMemory, checkVisualization } from './job-checks.js';
import { downloadModelArchive } from './model-archive.js';
import type { JobLookup } from './job-lookup.js';
import { searchJobs } from './job-search.js';
import { jobLinks, stateOf, toJobView, toListView, type FoundJob } from './job-view.js';
import { cancelSweep, createSweep } from './sweeps.js';
import { deleteOrCancel, purgeJob, resumeJob, updateJob } from './run-routes.js';
import { parseRequest } from './validation.js';

/** Most index entries one list request reads while filling a page filtered by state. */
export const LIST_SCAN_LIMIT = 1000;
/** The batch route: Google's custom-method style, one request for many jobs. */
export const JOBS_BATCH_PATH = '/v1/jobs:batch';
/** Index entries read per round trip while scanning. */
const SCAN_PAGE_SIZE = 100;

export interface JobsRoutesOptions {
  readonly queues: JobQueues;
  readonly lookup: JobLookup;
  readonly store: ArtifactStore;
  readonly bodyLimit: string;
  /** Largest body of POST /v1/jobs:batch. */
  readonly batchBodyLimit: string;
  /** MAX_JOB_MEMORY_MB: a training job's estimated memory must fit it. */
  readonly maxJobMemoryMb: number;
}

/** The `/v1` REST API: jobs and their artifacts (their events: event-stream.ts). */
export function createJobsRouter(options: JobsRoutesOptions): Router {
  const { lookup } = options;
  const router = Router();
  const job = (handler: JobHandler) => withJob(lookup, handler);

  router
    .route('/v1/jobs')
    .get(listJobs(options))
    .post(requireJsonBody(), express.json({ limit: options.bodyLimit }), createJob(options))
    .all(methodNotAllowed(['GET', 'POST']));
  router
    // The colon is escaped: path-to-regexp would read `:batch` as a parameter.
    .route(JOBS_BATCH_PATH.replace(':', '\\:'))
    .post(requireJsonBody(), express.json({ limit: options.batchBodyLimit }), createJobs(options))
    .all(methodNotAllowed(['POST']));
  router
    .route('/v1/jobs/:id')
    .get(job(getJob))
    .patch(requireJsonBody(), express.json({ limit: options.bodyLimit }), job(updateJob(options)))
    .delete(job(deleteOrCancel(purgeJob(options), cancelJob(options))))
    .all(methodNotAllowed(['GET', 'PATCH', 'DELETE']));
  router
    .route('/v1/jobs/:id/resume')
    .post(job(resumeJob(options)))
    .all(methodNotAllowed(['POST']));
  router
    .route('/v1/jobs/:id/artifacts')
    .get(job(listArtifacts(options.store)))
    .all(methodNotAllowed(['GET']));
  router
    .route('/v1/jobs/:id/model.tar')
    .get(job(downloadModelArchive(options.store)))
    .all(methodNotAllowed(['GET']));
  router
    .route('/v1/jobs/:id/artifacts/*path')
    .get(job(downloadArtifact(options.store)))
    .all(methodNotAllowed(['GET']));
  return router;
}

/** 415 for a body that is not `application/json`, before anything parses it. */
export function requireJsonBody(): RequestHandler {
  return function jsonContentType(request, _response, next) {
    const { headers } = request;
    const hasBody =
      headers['transfer-encoding'] !== undefined ||
      (headers['content-length'] !== undefined && headers['content-length'] !== '0');
    if ((hasBody || headers['content-type'] !== undefined) && !request.is('application/json')) {
      throw new HttpError(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        `send the body as application/json (got ${headers['content-type'] ?? 'no Content-Type'})`,
      );
    }
    next();
  };
}

/** `POST /v1/jobs` → 202 `{ id, type, state, links }`. */
function createJob(options: JobsRoutesOptions): RequestHandler {
  return async function createJobHandler(request, response) {
    const body = parseRequest(createJobBodySchema, requireBody(request.body, SINGLE_SHAPE), 'body');
    let id: string;
    if (body.type === 'sweep') {
      id = (await createSweep(body, options)).id;
    } else {
      await checkJob(body, options);
      options.lookup.assertAvailable();
      id = (await options.queues.enqueue(body)).id ?? '';
    }
    const links = jobLinks(id);
    response
      .status(202)
      .location(links.self)
      .json({ id, type: body.type, state: 'waiting', links } satisfies CreatedJob);
  };
}

/**
 * `POST /v1/jobs:batch` → 202 `{ jobs: [{ id, type, state, links }] }` in the order sent. Every job
 * is checked as POST /v1/jobs checks one, then all are queued in one Redis transaction or none is:
 * a 400 names the first bad job by its index (`jobs.3.params.epochs`).
 */
function createJobs(options: JobsRoutesOptions): RequestHandler {
  return async function createJobsHandler(request, response) {
    const { jobs } = parseRequest(
      createJobsBatchBodySchema,
      requireBody(request.body, BATCH_SHAPE),
      'body',
    );
    await checkJobs(jobs, options);
    options.lookup.assertAvailable();
    const created = await options.queues.enqueueMany(jobs);
    response.status(202).json({
      jobs: created.map(({ id, type }) => ({ id, type, state: 'waiting', links: jobLinks(id) })),
    } satisfies CreatedJobs);
  };
}

/** How a message about one part of a job starts (`invalid request body: params.layer: …`). */
const BODY_PROBLEM = 'invalid request body: ';
const SINGLE_SHAPE = 'a JSON object with type and params';
const BATCH_SHAPE = 'a JSON object {"jobs": [...]} of objects with type and params';

function requireBody(body: unknown, shape: string): unknown {
  if (body !== undefined) return body;
  throw validationFailed(`the request body is empty: send ${shape}`, [
    { path: '', message: `${shape} is required` },
  ]);
}

/** What the schemas cannot check: the memory budget, a visualization's training job and layer. */
async function checkJob(body: CreateBatchJobBody, options: JobsRoutesOptions): Promise<void> {
  if (body.type === 'train') checkTrainingMemory(body.params, options.maxJobMemoryMb);
  else await checkVisualization(body.params, options);
}

/** checkJob for each job of a batch; the first failure (by position) names its job. */
async function checkJobs(
  jobs: readonly CreateBatchJobBody[],
  options: JobsRoutesOptions,
): Promise<void> {
  const outcomes = await Promise.allSettled(jobs.map((body) => checkJob(body, options)));
  const failed = outcomes.findIndex((outcome) => outcome.status === 'rejected');
  const outcome = outcomes[failed];
  if (outcome?.status !== 'rejected') return;
  const error: unknown = outcome.reason;
  if (!(error instanceof HttpError)) throw error;
  const at = (path: string) => (path === '' ? `jobs.${failed}` : `jobs.${failed}.${path}`);
  const message = error.message.startsWith(BODY_PROBLEM)
    ? `${BODY_PROBLEM}${at(error.message.slice(BODY_PROBLEM.length))}`
    : `jobs.${failed}: ${error.message}`;
  throw new HttpError(error.status, error.code, message, {
    ...(error.details === undefined
      ? {}
      : { details: error.details.map((detail) => ({ ...detail, path: at(detail.path) })) }),
    headers: error.headers,
  });
}

/** `GET /v1/jobs` → `{ items, nextCursor }`, newest first. */
function listJobs(options: JobsRoutesOptions): RequestHandler {
  return async function listJobsHandler(request, response) {
    const query = parseRequest(listJobsQuerySchema, request.query, 'query');
    options.lookup.assertAvailable();
    response.json(
      await (isJobSearch(query) ? searchJobs(options, query) : findJobs(options, query)),
    );
  };
}

/**
 * Walks the job index from the cursor, newest first, keeping the jobs that pass the state filter
 * (and skipping ids whose job has expired from Redis) until the page is full, the index ends, or
 * LIST_SCAN_LIMIT ids were read. A short page with a nextCursor means "keep scanning".
 */
export async function findJobs(
  options: Pick<JobsRoutesOptions, 'queues' | 'lookup'>,
  query: ListJobsQuery,
): Promise<JobList> {
  const { index } = options.queues;
  const items: JobView[] = [];
  let cursor = query.cursor;
  let scanned = 0;
  while (items.length < query.limit && scanned < LIST_SCAN_LIMIT) {
    const pageSize = Math.min(
      query.state === undefined ? query.limit - items.length : SCAN_PAGE_SIZE,
      LIST_SCAN_LIMIT - scanned,
    );
    const page = await index.page({ type: query.type, cursor, limit: pageSize });
    const views = await Promise.all(
      page.ids.map(async (id) => {
        const found = await options.lookup.find(id);
        return found === undefined ? undefined : toListView(toJobView(found));
      }),
    );
    let consumed = 0;
    for (const view of views) {
      consumed += 1;
      if (view !== undefined && (query.state === undefined || view.state === query.state)) {
        items.push(view);
        if (items.length === query.limit) break;
      }
    }
    scanned += consumed;
    if (consumed < page.ids.length) {
      // The page filled up part-way through the index page: the cursor is the last id consumed.
      const lastId = page.ids[consumed - 1] ?? '';
      return {
        items,
        nextCursor: await cursorAfter(options.queues, query, cursor, lastId, consumed),
      };
    }
    cursor = page.nextCursor ?? undefined;
    if (page.nextCursor === null) return { items, nextCursor: null };
  }
  return { items, nextCursor: cursor ?? null };
}

/**
 * The index's cursor for "after `id`", obtained by reading the page from `cursor` that ends at
 * `id` (the index keeps its cursor format to itself). Jobs created meanwhile shift a first page
 * (no cursor), so the length is corrected until the page ends at `id`.
 */
async function cursorAfter(
  queues: JobQueues,
  query: ListJobsQuery,
  cursor: string | undefined,
  id: string,
  count: number,
): Promise<string | null> {
  let limit = count;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const page = await queues.index.page({ type: query.type, cursor, limit });
    const position = page.ids.indexOf(id);
    if (position === page.ids.length - 1) return page.nextCursor;
    limit = position >= 0 ? position + 1 : limit * 2;
  }
  throw new Error(`could not find a cursor after job ${id}`);
}

/** `GET /v1/jobs/:id`. */
const getJob: JobHandler = (_request, response, found) => {
  response.json(toJobView(found));
};

/**
 * `DELETE /v1/jobs/:id`: a waiting job is removed (200 cancelled), an active one is asked to stop
 * (202), a finished one is a 409 JOB_FINISHED.
 */
function cancelJob(options: JobsRoutesOptions): JobHandler {
  const { queues } = options;
  return async function cancelJobHandler(_request, response, found) {
    if (found.type === 'sweep' && found.kind === 'queued') {
      await cancelSweep(found, options, (trial) => cancelOne(queues, trial));
      response.status(202).json({ id: found.id, state: 'active', cancelRequested: true });
      return;
    }
    const outcome = await cancelOne(queues, found);
    if (outcome === 'removed') response.status(200).json({ id: found.id, state: 'cancelled' });
    else response.status(202).json({ id: found.id, state: 'active', cancelRequested: true });
  };
}

/**
 * Cancels one job: a waiting one is removed ('removed'), an active one is asked to stop at its
 * next batch ('requested'); a finished one is a 409 JOB_FINISHED.
 */
async function cancelOne(queues: JobQueues, found: FoundJob): Promise<'removed' | 'requested'> {
  const state = stateOf(found);
  if (isTerminalState(state) || found.kind === 'removed') {
    throw new HttpError(409, 'JOB_FINISHED', `job ${found.id} is already ${state}`);
  }
  if (state === 'waiting') {
    const { job } = found;
    // Recorded first: the `removed` event that SSE streams react to must find the record.
    await queues.cancellation.recordRemoved({
      id: found.id,
      type: found.type,
      params: job.data.params,
      createdAt: job.timestamp,
      cancelledAt: Date.now(),
    });
    try {
      await job.remove();
      return 'removed';
    } catch (error) {
      // A worker took it meanwhile (its lock forbids removal): cancel it as an active job.
      const current = await queues.find(found.id);
      if (current === undefined || (await current.getState()) !== 'active') throw error;
    }
  }
  await queues.cancellation.request(found.id);
  return 'requested';
}
