import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import {
  artifactVersion,
  decodeTensorFile,
  isVisualizationFresh,
  modelJsonPath,
  visualizationCacheKey,
  visualizationDirectory,
  visualizationManifestPath,
  type ModelWeights,
  type VisualizationRequest as VisualizationParamsInput,
} from '@convoy/core';
import {
  visualizationJobResultSchema,
  visualizationManifestSchema,
  type VisualizationManifest,
  type VisualizationTensor,
} from '@convoy/schemas';
import type { ArtifactStore } from '@convoy/storage';
import { ApiError, ApiUnreachableError, UnexpectedResponseError } from '@convoy/client';
import type { DashboardClient } from './dashboard-client.js';
import { HttpError } from './http-error.js';
import { LruCache } from './lru-cache.js';

/** A visualization as the dashboard asks the API for it: the visualize job's params. */
export type VisualizationRequest = VisualizationParamsInput & {
  readonly weights: ModelWeights;
  /** sha256 (hex) of the uploaded PNG's bytes, when `image` is set: a short key for the request. */
  readonly imageSha256?: string | undefined;
};

export type ResolvedVisualization =
  | {
      readonly status: 'ready';
      readonly manifest: VisualizationManifest;
      /** The directory of manifest.json and the tensor files within the training job's artifacts. */
      readonly directory: string;
    }
  | { readonly status: 'pending'; readonly jobId: string };

export interface VisualizationResolverOptions {
  readonly api: DashboardClient;
  readonly store: ArtifactStore;
  readonly logger: Logger;
  /** How long resolve() follows a new visualize job before answering pending. */
  readonly waitMs: number;
}

/**
 * Finds the stored result of a visualization request, or has a worker compute it.
 *
 * 1. With the request's cache key (computed here, or learnt from an earlier job), a manifest on
 *    disk that is newer than the model it was computed from is the answer: no API call at all.
 * 2. Otherwise a visualize job is submitted (once: concurrent and later requests follow the same
 *    job) and followed for up to `waitMs`; a worker returns a stored result at once, so most
 *    requests end here. A job still running after that is `pending` (HTTP 202 to the browser).
 * 3. A failed job is an HttpError 422 with the worker's message (a bad layer, a bad image); the
 *    API refusing the request maps to 400/404/409 with its message and details.
 */
export class VisualizationResolver {
  private readonly jobs = new LruCache<string>({ maxEntries: 10_000 });
  private readonly manifests = new LruCache<VisualizationManifest>({ maxEntries: 1_000 });
  private readonly inflight = new Map<string, Promise<ResolvedVisualization>>();
  constructor(private readonly options: VisualizationResolverOptions) {}

  resolve(request: VisualizationRequest): Promise<ResolvedVisualization> {
    const requestKey = requestKeyOf(request);
    const running = this.inflight.get(requestKey);
    if (running !== undefined) return running;
    const resolving = this.resolveOnce(request, requestKey).finally(() =>
      this.inflight.delete(requestKey),
    );
    this.inflight.set(requestKey, resolving);
    return resolving;
  }

  /** The values of one tensor of a ready visualization. */
  async readTensor(
    trainJobId: string,
    directory: string,
    tensor: VisualizationTensor,
  ): Promise<Float32Array> {
    const bytes = await this.options.store.job(trainJobId).read(`${directory}/${tensor.file}`);
    try {
      return decodeTensorFile(bytes, tensor.shape);
    } catch (error) {
      throw new HttpError(500, 'BAD_TENSOR_FILE', (error as Error).message, { cause: error });
    }
  }

  private async resolveOnce(
    request: VisualizationRequest,
    requestKey: string,
    attempt = 0,
  ): Promise<ResolvedVisualization> {
    const cacheKey = cacheKeyOf(request);
    if (cacheKey !== undefined) {
      const stored = await this.readStored(request, cacheKey);
      if (stored !== undefined) return stored;
    }
    let jobId = this.jobs.get(requestKey);
    if (jobId === undefined) {
      jobId = await this.submit(request);
      this.jobs.set(requestKey, jobId);
    }
    const followed = await this.follow(request, requestKey, jobId);
    if (followed !== 'retry') return followed;
    this.jobs.delete(requestKey);
    if (attempt >= 1) {
      throw new HttpError(503, 'VISUALIZATION_UNAVAILABLE', 'the visualization job went away', {
        headers: { 'Retry-After': '2' },
      });
    }
    return this.resolveOnce(request, requestKey, attempt + 1);
  }

  /** The stored manifest of `cacheKey`, if it exists and still describes the model's current save. */
  private async readStored(
    request: VisualizationRequest,
    cacheKey: string,
  ): Promise<ResolvedVisualization | undefined> {
    const artifacts = this.options.store.job(request.jobId);
    const directory = visualizationDirectory(cacheKey);
    const [manifestInfo, modelInfo] = await Promise.all([
      artifacts.stat(visualizationManifestPath(cacheKey)),
      artifacts.stat(modelJsonPath(request.weights)),
    ]);
    if (manifestInfo === null) return undefined;
    const memoKey = `${request.jobId}/${directory}@${artifactVersion(manifestInfo)}`;
    let manifest = this.manifests.get(memoKey);
    if (manifest === undefined) {
      try {
        const text = (await artifacts.read(visualizationManifestPath(cacheKey))).toString('utf8');
        const parsed = visualizationManifestSchema.safeParse(JSON.parse(text));
        if (!parsed.success) return undefined;
        manifest = parsed.data;
      } catch {
        return undefined; // replaced or removed meanwhile: ask the API
      }
      this.manifests.set(memoKey, manifest);
    }
    // The worker's rule: a training job that saved a better model since makes the result stale.
    if (!isVisualizationFresh(manifest, manifestInfo, modelInfo)) return undefined;
    return { status: 'ready', manifest, directory };
  }

  private async submit(request: VisualizationRequest): Promise<string> {
    try {
      const created = await this.options.api.createJob({
        type: 'visualize',
        params: {
          jobId: request.jobId,
          kind: request.kind,
          weights: request.weights,
          ...(request.layer === undefined ? {} : { layer: request.layer }),
          ...(request.sample === undefined ? {} : { sample: request.sample }),
          ...(request.image === undefined ? {} : { image: request.image }),
        },
      });
      return created.id;
    } catch (error) {
      throw fromApiError(error);
    }
  }

  /** Polls the job until it finishes or `waitMs` passes; 'retry' when it vanished or was cancelled. */
  private async follow(
    request: VisualizationRequest,
    requestKey: string,
    jobId: string,
  ): Promise<ResolvedVisualization | 'retry'> {
    const deadline = Date.now() + this.options.waitMs;
    let delay = 50;
    for (;;) {
      let view;
      try {
        view = await this.options.api.findJob(jobId);
      } catch (error) {
        throw fromApiError(error);
      }
      if (view === undefined || view.state === 'cancelled') return 'retry';
      if (view.state === 'failed') {
        this.jobs.delete(requestKey);
        throw new HttpError(
          422,
          'VISUALIZATION_FAILED',
          (view.error?.message ?? 'the visualization failed').replace(/^UnrecoverableError: /, ''),
        );
      }
      if (view.state === 'completed') {
        this.jobs.delete(requestKey);
        const result = visualizationJobResultSchema.safeParse(view.result);
        if (!result.success) {
          throw new HttpError(502, 'BAD_VISUALIZATION_RESULT', `job ${jobId} has no usable result`);
        }
        if (result.data.trainJobId !== request.jobId) {
          throw new HttpError(502, 'BAD_VISUALIZATION_RESULT', `job ${jobId} is of another model`);
        }
        return { status: 'ready', manifest: result.data.manifest, directory: result.data.path };
      }
      if (Date.now() >= deadline) return { status: 'pending', jobId };
      await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
      delay = Math.min(delay * 2, 250);
    }
  }
}

/** One key per distinct request (the upload by its hash, not its bytes). */
function requestKeyOf(request: VisualizationRequest): string {
  return JSON.stringify([
    request.jobId,
    request.kind,
    request.weights,
    request.layer ?? null,
    request.sample ?? null,
    request.imageSha256 ?? (request.image === undefined ? null : request.image),
  ]);
}

/** An API call's failure as the dashboard's own HttpError (the API's 4xx kept, except auth). */
export function fromApiError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
    // The browser did nothing wrong: the dashboard's own API_TOKEN is missing or not accepted.
    return new HttpError(
      502,
      'API_AUTH_FAILED',
      `the Convoy API refused the dashboard's API_TOKEN: ${error.message}`,
      { cause: error },
    );
  }
  if (error instanceof ApiError) {
    const status = error.status >= 400 && error.status < 500 ? error.status : 502;
    return new HttpError(status, error.code, error.message, {
      details: error.details,
      cause: error,
    });
  }
  if (error instanceof ApiUnreachableError) {
    return new HttpError(
      502,
      'API_UNAVAILABLE',
      `the Convoy API is unreachable: ${error.message}`,
      {
        cause: error,
      },
    );
  }
  if (error instanceof UnexpectedResponseError) {
    return new HttpError(502, 'BAD_API_RESPONSE', error.message, { cause: error });
  }
  return new HttpError(500, 'INTERNAL', 'internal server error', { cause: error });
}

/** Where the request's stored result lives; undefined for an upload that is not even base64 (the API says why). */
function cacheKeyOf(request: VisualizationRequest): string | undefined {
  try {
    return visualizationCacheKey(request);
  } catch {
    return undefined;
  }
}
