import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { loadFashionMnist, type ImageSet } from '@convoy/data';
import {
  artifactVersion,
  isVisualizationFresh,
  modelDirectory,
  modelJsonPath,
  VISUALIZATION_MANIFEST_FILE,
  visualizationCacheKey,
  visualizationDirectory,
  visualizationManifestPath,
  type ModelWeights,
} from '@convoy/core';
import { loadModel } from '@convoy/model';
import { computeVisualization, visualizationFiles } from '@convoy/visualize';
import { CANCELLED_REASON, type JobCancellation, type VisualizeJobData } from '@convoy/queue';
import {
  isPermanentError,
  visualizationManifestSchema,
  type VisualizationJobResult,
  type VisualizationManifest,
} from '@convoy/schemas';
import type { ArtifactStore, JobArtifacts } from '@convoy/storage';
import { handBack } from './hand-back.js';
import type { JobControl } from './job-control.js';

export interface VisualizeProcessorContext {
  readonly cancellation: JobCancellation;
  readonly logger: Logger;
  readonly store: ArtifactStore;
  readonly dataDir: string;
  readonly officialDataDir: string | undefined;
  readonly control: JobControl;
  /** Threads for a confusion matrix (data-parallel on wasm). */
  readonly threads: number;
}

const NEEDS_TEST_SET = new Set([
  'feature-maps',
  'predictions',
  'confusion-matrix',
  'misclassified',
]);
let testSetLoading: Promise<ImageSet> | null = null;

/** The test set, loaded once per process (from the IDX cache, tens of milliseconds). */
function loadTestSet(
  context: Pick<VisualizeProcessorContext, 'dataDir' | 'officialDataDir'>,
): Promise<ImageSet> {
  testSetLoading ??= loadFashionMnist({
    dataDir: context.dataDir,
    officialDir: context.officialDataDir,
  }).then(
    (dataset) => dataset.test,
    (error: unknown) => {
      testSetLoading = null;
      throw error;
    },
  );
  return testSetLoading;
}

/**
 * The stored result of the request if it is still fresh — computed from the model's current save
 * (a training job still running replaces its best model) — and the model file's current info.
 */
async function storedResult(artifacts: JobArtifacts, cacheKey: string, weights: ModelWeights) {
  const manifestPath = visualizationManifestPath(cacheKey);
  const [manifestInfo, modelInfo] = await Promise.all([
    artifacts.stat(manifestPath),
    artifacts.stat(modelJsonPath(weights)),
  ]);
  if (!manifestInfo) return { manifest: null, modelInfo };
  const parsed = visualizationManifestSchema.safeParse(
    JSON.parse((await artifacts.read(manifestPath)).toString('utf8')),
  );
  const fresh = parsed.success && isVisualizationFresh(parsed.data, manifestInfo, modelInfo);
  return { manifest: fresh ? parsed.data : null, modelInfo };
}

/**
 * Computes one visualization of a training job's model, or returns the stored result of the same
 * request. A stop turns into the right queue outcome, as for training: cancel — failed as cancelled,
 * never retried; shutdown — back to the queue for another worker.
 */
export async function processVisualizeJob(
  context: VisualizeProcessorContext,
  job: Job<VisualizeJobData>,
  data: VisualizeJobData,
  token: string | undefined,
): Promise<VisualizationJobResult> {
  const id = job.id ?? '';
  if (await context.cancellation.isRequested(id)) throw new UnrecoverableError(CANCELLED_REASON);
  const signal = context.control.begin(id);
  try {
    // A shutdown that began as BullMQ handed this job over stops it before any work.
    if (signal.aborted) throw signal.reason;
    return await visualize(context, data, signal);
  } catch (error) {
    throw await settleFailure(context, job, token, error);
  } finally {
    context.control.end(id);
  }
}

async function visualize(
  context: VisualizeProcessorContext,
  data: VisualizeJobData,
  signal: AbortSignal,
): Promise<VisualizationJobResult> {
  return computeAndStoreVisualization(context, data.params, signal);
}

/** What computing a visualization outside a visualize job needs (the worker's precompute). */
export type VisualizationContext = Pick<
  VisualizeProcessorContext,
  'store' | 'dataDir' | 'officialDataDir' | 'threads'
>;

/**
 * One visualization of a training job's model: the stored result when it is still fresh, else
 * computed from the model's current save and stored under `visualizations/<key>/` (tensors first,
 * manifest last). Used by visualize jobs and by the precompute at the end of training.
 */
export async function computeAndStoreVisualization(
  context: VisualizationContext,
  params: VisualizeJobData['params'],
  signal: AbortSignal,
): Promise<VisualizationJobResult> {
  const started = performance.now();
  const cacheKey = visualizationCacheKey(params);
  const directory = visualizationDirectory(cacheKey);
  const artifacts = context.store.job(params.jobId);
  const outcome = (manifest: VisualizationManifest, cached: boolean) => ({
    trainJobId: params.jobId,
    cacheKey,
    path: directory,
    cached,
    seconds: (performance.now() - started) / 1000,
    manifest,
  });
  const stored = await storedResult(artifacts, cacheKey, params.weights);
  if (stored.manifest) return outcome(stored.manifest, true);
  // The save read before loading: a newer one written meanwhile makes this result stale, not wrong.
  const modelVersion = stored.modelInfo ? artifactVersion(stored.modelInfo) : undefined;
  const model = await loadModel(artifacts, modelDirectory(params.weights));
  try {
    const testSet = NEEDS_TEST_SET.has(params.kind) ? await loadTestSet(context) : undefined;
    const result = await computeVisualization(
      params,
      { model, ...(testSet ? { testSet } : {}) },
      { signal, threads: context.threads, modelVersion },
    );
    const files = visualizationFiles(result);
    // Tensors first, manifest last: a manifest in the store means its files are complete.
    for (const [name, bytes] of files)
      if (name !== VISUALIZATION_MANIFEST_FILE)
        await artifacts.write(`${directory}/${name}`, bytes);
    const manifestBytes = files.get(VISUALIZATION_MANIFEST_FILE);
    if (manifestBytes) await artifacts.write(visualizationManifestPath(cacheKey), manifestBytes);
    return outcome(result.manifest, false);
  } finally {
    model.dispose();
  }
}

async function settleFailure(
  context: VisualizeProcessorContext,
  job: Job<VisualizeJobData>,
  token: string | undefined,
  error: unknown,
): Promise<Error> {
  const id = job.id ?? '';
  const stopped = context.control.reasonOf(id);
  if (stopped === 'shutdown') return handBack(job, token, context.logger);
  if (stopped === 'cancel') {
    context.logger.info({ jobId: id }, 'visualization cancelled');
    return new UnrecoverableError(CANCELLED_REASON);
  }
  if (isPermanentError(error))
    return new UnrecoverableError(
      error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    );
  return error instanceof Error ? error : new Error(String(error));
}
