import { createRequire } from 'node:module';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { ARTIFACT_FILES } from '@convoy/core';
import {
  batchScalarsSchema,
  epochRecordSchema,
  isTerminalState,
  weightDistributionsSchema,
  type JobView,
} from '@convoy/schemas';
import type { ArtifactInfo, ArtifactStore } from '@convoy/storage';
import type { DashboardClient } from './dashboard-client.js';
import { badRequest, HttpError } from './http-error.js';
import { etagOf, IMMUTABLE, REVALIDATE } from './image-routes.js';
import { trainingResultOf } from './job-format.js';
import type { VisualizationResolver } from './visualization-resolver.js';
import { trainJobRoute, type TrainJobHandler } from './train-job-route.js';

export interface ChartRoutesOptions {
  readonly api: DashboardClient;
  readonly store: ArtifactStore;
  readonly resolver: VisualizationResolver;
}

const require = createRequire(import.meta.url);
/** uPlot, served as it is installed (pinned in package.json): the pages' CSP allows 'self' only. */
export const UPLOT_SCRIPT = require.resolve('uplot/dist/uPlot.esm.js');

/**
 * The data behind the interactive charts, as JSON: a training job's per-epoch history with its
 * per-batch scalars, its per-epoch weight distributions, and a test image picked by class from the
 * misclassified visualization's labels. (uPlot itself is served by createDashboard, beside /static.)
 */
export function createChartRouter(options: ChartRoutesOptions): Router {
  const router = Router();
  const trainJob = trainJobRoute(options.api);
  router.get('/jobs/:id/metrics.json', trainJob(metrics(options)));
  router.get('/jobs/:id/distributions.json', trainJob(distributions(options)));
  router.get('/jobs/:id/pick.json', trainJob(pick(options)));
  return router;
}

/** A JSON artifact parsed with `schema`, or null when the job has not written it (yet). */
async function readArtifact<T>(
  store: ArtifactStore,
  id: string,
  path: string,
  schema: z.ZodType<T>,
): Promise<{ value: T; info: ArtifactInfo } | null> {
  const artifacts = store.job(id);
  const info = await artifacts.stat(path);
  if (info === null) return null;
  try {
    const parsed = schema.safeParse(JSON.parse((await artifacts.read(path)).toString('utf8')));
    return parsed.success ? { value: parsed.data, info } : null;
  } catch {
    return null; // replaced between stat and read: the next request reads the new one
  }
}

const version = (info: ArtifactInfo | null | undefined) =>
  info ? [info.size, info.modified.getTime()] : null;

/** JSON with an ETag from `parts`: immutable once the job has finished, revalidated before. */
function sendJson(
  request: Request,
  response: Response,
  view: JobView,
  parts: unknown[],
  body: () => unknown,
): void {
  response.set({
    ETag: etagOf(parts),
    'Cache-Control': isTerminalState(view.state) ? IMMUTABLE : REVALIDATE,
  });
  if (request.fresh) {
    response.status(304).end();
    return;
  }
  response.json(body());
}

/**
 * `GET /jobs/:id/metrics.json`: `{ history, scalars, bestEpoch, monitor }`, the per-epoch records
 * (history.json, else the job's own) and the per-batch scalars (null for a job that has none).
 */
function metrics(options: ChartRoutesOptions): TrainJobHandler {
  return async function metricsJson(request, response, view) {
    const [history, scalars] = await Promise.all([
      readArtifact(options.store, view.id, ARTIFACT_FILES.history, z.array(epochRecordSchema)),
      readArtifact(options.store, view.id, ARTIFACT_FILES.scalars, batchScalarsSchema),
    ]);
    const result = trainingResultOf(view);
    const records = history?.value ?? view.history;
    const parts: unknown[] = [
      'metrics',
      view.id,
      view.state,
      version(history?.info),
      version(scalars?.info),
    ];
    if (history === null) parts.push(records.length);
    sendJson(request, response, view, parts, () => ({
      history: records,
      scalars: scalars?.value ?? null,
      bestEpoch: result?.bestEpoch ?? null,
      monitor: result?.best?.monitor ?? null,
    }));
  };
}

/** `GET /jobs/:id/distributions.json`: the per-epoch weight distributions (404 before any). */
function distributions(options: ChartRoutesOptions): TrainJobHandler {
  return async function distributionsJson(request, response, view) {
    const record = await readArtifact(
      options.store,
      view.id,
      ARTIFACT_FILES.distributions,
      weightDistributionsSchema,
    );
    if (record === null) {
      throw new HttpError(
        404,
        'NO_DISTRIBUTIONS',
        `job ${view.id} has recorded no weight distributions (jobs trained before they were recorded have none)`,
      );
    }
    sendJson(request, response, view, ['distributions', view.id, version(record.info)], () => ({
      distributions: record.value,
    }));
  };
}

const pickQuerySchema = z.object({
  class: z.string().regex(/^\d$/, 'a class id 0–9').transform(Number).optional(),
  which: z.enum(['any', 'misclassified']).default('any'),
  /** Makes the pick repeatable (tests, links); default a random one. */
  seed: z
    .string()
    .regex(/^\d{1,9}$/, 'a number')
    .transform(Number)
    .optional(),
});

/**
 * `GET /jobs/:id/pick.json?class=&which=any|misclassified`: a random test image of a class (or of
 * any class), or one the model gets wrong, from the misclassified visualization's per-image labels
 * and predictions: `{ sample, label, predicted, candidates }`. 202 while a worker computes them.
 */
function pick(options: ChartRoutesOptions): TrainJobHandler {
  return async function pickTestImage(request, response, view) {
    const parsed = pickQuerySchema.safeParse(request.query);
    if (!parsed.success) {
      const details = parsed.error.issues.map((issue) => ({
        path: issue.path.join('.'),
        message: issue.message,
      }));
      throw badRequest(`invalid query: ${details[0]?.path}: ${details[0]?.message}`, details);
    }
    const query = parsed.data;
    const resolved = await options.resolver.resolve({
      jobId: view.id,
      kind: 'misclassified',
      weights: 'trained',
    });
    if (resolved.status === 'pending') {
      response
        .status(202)
        .set({ 'Cache-Control': 'no-store', 'Retry-After': '1' })
        .json({ pending: true, jobId: resolved.jobId });
      return;
    }
    const tensor = (role: string) => {
      const found = resolved.manifest.tensors.find((candidate) => candidate.role === role);
      if (found === undefined)
        throw new HttpError(502, 'BAD_VISUALIZATION_RESULT', `the result has no ${role}`);
      return options.resolver.readTensor(view.id, resolved.directory, found);
    };
    const [labels, predicted] = await Promise.all([tensor('labels'), tensor('predicted')]);
    const candidates: number[] = [];
    for (let sample = 0; sample < labels.length; sample += 1) {
      if (query.class !== undefined && labels[sample] !== query.class) continue;
      if (query.which === 'misclassified' && labels[sample] === predicted[sample]) continue;
      candidates.push(sample);
    }
    if (candidates.length === 0) {
      throw new HttpError(404, 'NO_SUCH_IMAGE', 'no test image matches');
    }
    const random =
      query.seed === undefined ? Math.random() : ((query.seed * 9301 + 49297) % 233280) / 233280;
    const sample = candidates[Math.floor(random * candidates.length)] ?? 0;
    response.set('Cache-Control', 'no-store').json({
      sample,
      label: labels[sample],
      predicted: predicted[sample],
      candidates: candidates.length,
    });
  };
}
