import { Router, type Request, type RequestHandler, type Response } from 'express';
import {
  ARTIFACT_FILES,
  ARTIFACT_FOLDERS,
  artifactVersion,
  modelCheckpointOf,
  modelJsonPath,
} from '@convoy/core';
import {
  JOB_SORT_FIELDS,
  JOB_STATES,
  jobIdSchema,
  modelSummarySchema,
  type JobModelFilter,
  type JobSortField,
  type JobState,
  type JobView,
  type ModelSummary,
} from '@convoy/schemas';
import type { ArtifactStore } from '@convoy/storage';
import type { DashboardClient } from './dashboard-client.js';
import { HttpError, jobNotFound } from './http-error.js';
import { idsOf } from './image-routes.js';
import { renderComparePage, type CompareRun } from './pages/compare-page.js';
import {
  DEFAULT_PER_PAGE,
  renderJobListPage,
  renderJobRows,
  type JobListFilter,
  type JobListQuery,
} from './pages/job-list-page.js';
import {
  JOB_FRAGMENTS,
  renderFragment,
  renderJobPage,
  type JobFragment,
  type JobPageArtifacts,
} from './pages/job-page.js';
import { renderSubmitPage } from './pages/submit-page.js';
import { renderSweepFormPage } from './pages/sweep-form-page.js';
import { renderSweepPage } from './pages/sweep-page.js';

export interface PageRoutesOptions {
  readonly api: DashboardClient;
  readonly store: ArtifactStore;
}

/** Jobs shown on the list page and offered on the compare page. */
const LIST_LIMIT = 50;

type JobHandler = (request: Request, response: Response, view: JobView) => Promise<void> | void;

/**
 * The HTML pages, rendered on the server from the API's job views and the job's artifacts, and
 * the fragments the pages' scripts fetch to refresh a part of themselves (one renderer for both).
 */
export function createPageRouter(options: PageRoutesOptions): Router {
  const router = Router();
  const job = (handler: JobHandler): RequestHandler =>
    async function withJob(request, response) {
      const id = String(request.params.id ?? '');
      if (!jobIdSchema.safeParse(id).success) throw jobNotFound(id);
      const view = await options.api.findJob(id);
      if (view === undefined) throw jobNotFound(id);
      await handler(request, response, view);
    };
  const sendHtml = (response: Response, body: string) =>
    response.type('html').set('Cache-Control', 'no-store').send(body);

  router.get('/', async (request, response) => {
    const query = listQueryOf(request);
    sendHtml(response, renderJobListPage(await listPage(options, query), query));
  });
  router.get('/fragments/jobs', async (request, response) => {
    const list = await listPage(options, listQueryOf(request));
    sendHtml(response, renderJobRows(list.items, Date.now()).value);
  });
  router.get('/jobs/new', async (request, response) => {
    // ?from=<id>: the form prefilled with that run's parameters (clone).
    const from = typeof request.query.from === 'string' ? request.query.from : undefined;
    if (from === undefined) {
      sendHtml(response, renderSubmitPage());
      return;
    }
    const view = jobIdSchema.safeParse(from).success ? await options.api.findJob(from) : undefined;
    if (view === undefined || view.type !== 'train') throw jobNotFound(from);
    sendHtml(
      response,
      renderSubmitPage({
        id: view.id,
        params: view.params,
        name: view.name ?? null,
        tags: view.tags ?? [],
      }),
    );
  });
  router.get(
    '/jobs/:id',
    job(async (_request, response, view) => {
      if (view.type === 'sweep') {
        sendHtml(response, renderSweepPage(view));
        return;
      }
      sendHtml(response, renderJobPage(view, await readJobArtifacts(options.store, view)));
    }),
  );
  router.get('/sweeps/new', (_request, response) => {
    sendHtml(response, renderSweepFormPage());
  });
  // A sweep's page is its job page; /sweeps/<id> is kept as a name for it.
  router.get('/sweeps/:id', (request, response) => {
    const id = String(request.params.id ?? '');
    if (!jobIdSchema.safeParse(id).success || !id.startsWith('sweep_')) throw jobNotFound(id);
    response.redirect(302, `/jobs/${id}`);
  });
  // Which epoch the best model is, for the page to notice a better checkpoint landing.
  router.get(
    '/jobs/:id/checkpoint.json',
    job(async (_request, response, view) => {
      const checkpoint =
        view.type === 'train' ? await readCheckpoint(options.store, view.id) : undefined;
      response
        .set('Cache-Control', 'no-store')
        .json(
          checkpoint === undefined
            ? { checkpoint: null, version: null }
            : { checkpoint: checkpoint.info, version: checkpoint.version },
        );
    }),
  );
  router.get(
    '/jobs/:id/fragments/:name',
    job(async (request, response, view) => {
      const name = String(request.params.name);
      if (!(JOB_FRAGMENTS as readonly string[]).includes(name)) {
        throw new HttpError(404, 'NOT_FOUND', `no fragment ${JSON.stringify(name)}`);
      }
      const artifacts = await readJobArtifacts(options.store, view);
      sendHtml(response, renderFragment(name as JobFragment, view, artifacts, Date.now()).value);
    }),
  );
  router.get('/compare', async (request, response) => {
    const ids = idsOf(request.query.ids).slice(0, 10);
    const [list, runs] = await Promise.all([
      options.api.listJobs({ type: 'train', limit: LIST_LIMIT }),
      Promise.all(ids.map((id) => compareRun(options, id))),
    ]);
    const candidates = list.items.filter((item) => item.history.length > 0);
    for (const run of runs) {
      if (!candidates.some((item) => item.id === run.view.id)) candidates.push(run.view);
    }
    sendHtml(response, renderComparePage(candidates, runs));
  });
  return router;
}

/** The list page's query from its URL; anything unusable falls back to the default. */
function listQueryOf(request: Request): JobListQuery {
  const text = (name: string, max: number): string | undefined => {
    const value = request.query[name];
    return typeof value === 'string' && value.trim() !== ''
      ? value.trim().slice(0, max)
      : undefined;
  };
  const state = text('state', 20);
  const model = text('model', 40);
  const sort = text('sort', 20);
  const page = Number(text('page', 6) ?? '1');
  const perPage = Number(text('per', 3) ?? String(DEFAULT_PER_PAGE));
  return {
    filter: filterOf(request),
    q: text('q', 100),
    state:
      state !== undefined && (JOB_STATES as readonly string[]).includes(state) ? state : undefined,
    tag: text('tag', 32),
    model,
    sort:
      sort !== undefined && (JOB_SORT_FIELDS as readonly string[]).includes(sort)
        ? (sort as JobSortField)
        : 'createdAt',
    order: text('order', 4) === 'asc' ? 'asc' : 'desc',
    page: Number.isInteger(page) && page >= 1 ? page : 1,
    perPage:
      Number.isInteger(perPage) && perPage >= 1 && perPage <= 100 ? perPage : DEFAULT_PER_PAGE,
  };
}

/** One page of the list: always an API search (sort given), so pages are offsets and total is known. */
function listPage(options: PageRoutesOptions, query: JobListQuery) {
  return options.api.listJobs({
    type: typeOfFilter(query.filter),
    state: query.state as JobState | undefined,
    q: query.q,
    tag: query.tag,
    model: query.model as JobModelFilter | undefined,
    sort: query.sort,
    order: query.order,
    limit: query.perPage,
    cursor: query.page > 1 ? `offset.${(query.page - 1) * query.perPage}` : undefined,
  });
}

function filterOf(request: Request): JobListFilter {
  const type = request.query.type;
  return type === 'visualize' || type === 'sweep' || type === 'all' ? type : 'train';
}

function typeOfFilter(filter: JobListFilter): 'train' | 'visualize' | 'sweep' | undefined {
  return filter === 'all' ? undefined : filter;
}

async function compareRun(options: PageRoutesOptions, id: string): Promise<CompareRun> {
  if (!jobIdSchema.safeParse(id).success || !id.startsWith('train_')) throw jobNotFound(id);
  const view = await options.api.findJob(id);
  if (view === undefined) throw jobNotFound(id);
  return { view, summary: await readSummary(options.store, view.id) };
}

async function readSummary(store: ArtifactStore, id: string): Promise<ModelSummary | undefined> {
  const artifacts = store.job(id);
  if ((await artifacts.stat(ARTIFACT_FILES.summary)) === null) return undefined;
  try {
    const parsed = modelSummarySchema.safeParse(
      JSON.parse((await artifacts.read(ARTIFACT_FILES.summary)).toString('utf8')),
    );
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** What the job page reads from the artifacts: the summary and the best model's files. */
export async function readJobArtifacts(
  store: ArtifactStore,
  view: JobView,
): Promise<JobPageArtifacts> {
  if (view.type !== 'train') {
    return { summary: undefined, modelFiles: [], hasTrainedModel: false };
  }
  const [summary, modelFiles, checkpoint] = await Promise.all([
    readSummary(store, view.id),
    store.job(view.id).list(ARTIFACT_FOLDERS.bestModel),
    readCheckpoint(store, view.id),
  ]);
  return {
    summary,
    modelFiles,
    checkpoint,
    hasTrainedModel: modelFiles.some((file) => file.path === modelJsonPath('trained')),
  };
}

/** The epoch the best model's model.json names, with the version of that save. */
export async function readCheckpoint(
  store: ArtifactStore,
  id: string,
): Promise<JobPageArtifacts['checkpoint']> {
  const artifacts = store.job(id);
  try {
    const info = await artifacts.stat(modelJsonPath('trained'));
    if (info === null) return undefined;
    const checkpoint = modelCheckpointOf(await artifacts.read(modelJsonPath('trained')));
    // A save landing between stat and read: the next check sees a new version and refreshes again.
    return checkpoint === undefined
      ? undefined
      : { info: checkpoint, version: artifactVersion(info) };
  } catch {
    return undefined; // replaced between stat and read
  }
}
