import {
  modelJsonPath,
  selectVisualizationLayers,
  summaryLayers,
  VisualizationInputError,
} from '@convoy/core';
import {
  describeMemoryOverrun,
  estimateTrainingMemory,
  summarizeModel,
  trainingParamsSchema,
  type CreateJobBody,
  type TrainingParams,
} from '@convoy/schemas';
import type { ArtifactStore } from '@convoy/storage';
import { HttpError, validationFailed } from './http-error.js';
import { checkInputImage } from './input-image.js';
import type { JobLookup } from './job-lookup.js';
import { stateOf, type FoundJob } from './job-view.js';

/**
 * What the schemas cannot know about a job, checked before it is queued: everything a worker would
 * refuse permanently is refused here first, where the API has the facts.
 */

type VisualizationParams = Extract<CreateJobBody, { type: 'visualize' }>['params'];

const MIB = 2 ** 20;
const prefixed = (path: readonly (string | number)[]) => ['params', ...path].join('.');

/** 400 when the training job's estimated memory (estimateTrainingMemory) is over the bound. */
export function checkTrainingMemory(params: TrainingParams, maxJobMemoryMb: number): void {
  const estimate = estimateTrainingMemory(params);
  if (estimate.bytes <= maxJobMemoryMb * MIB) return;
  const overrun = describeMemoryOverrun(params, estimate, maxJobMemoryMb);
  throw validationFailed(
    overrun.message,
    overrun.details.map((detail) => ({ path: prefixed(detail.path), message: detail.message })),
  );
}

export interface VisualizationContext {
  readonly lookup: JobLookup;
  readonly store: ArtifactStore;
}

/**
 * The uploaded image decodes as a 28×28 PNG, the training job exists, it has written the model the
 * visualization reads, and that model has the layer the request names (of a class its kind takes).
 */
export async function checkVisualization(
  params: VisualizationParams,
  context: VisualizationContext,
): Promise<void> {
  if (params.image !== undefined) {
    const problem = checkInputImage(params.image);
    if (problem !== undefined) {
      throw validationFailed(`invalid request body: params.image: ${problem}`, [
        { path: 'params.image', message: problem },
      ]);
    }
  }
  const trainJob = await context.lookup.find(params.jobId);
  if (trainJob === undefined) {
    throw new HttpError(404, 'TRAIN_JOB_NOT_FOUND', `training job ${params.jobId} not found`, {
      details: [{ path: 'params.jobId', message: 'no such training job' }],
    });
  }
  const modelPath = modelJsonPath(params.weights);
  const model = await context.store.job(params.jobId).stat(modelPath);
  if (model === null) {
    const state = stateOf(trainJob);
    throw new HttpError(
      409,
      'MODEL_NOT_READY',
      `training job ${params.jobId} (${state}) has no ${params.weights} model yet (${modelPath})`,
      { details: [{ path: 'params.jobId', message: `${modelPath} does not exist yet` }] },
    );
  }
  checkVisualizationLayer(params, trainJob);
}

/**
 * The layer check the worker makes on the loaded model (selectVisualizationLayers), made on the
 * model the training job's params describe. Params that no longer parse (a job queued by an older
 * version) are left to the worker's own check.
 */
function checkVisualizationLayer(params: VisualizationParams, trainJob: FoundJob): void {
  const trainParams = trainingParamsSchema.safeParse(
    trainJob.kind === 'queued' ? trainJob.job.data.params : trainJob.record.params,
  );
  if (!trainParams.success) return;
  const layers = summaryLayers(summarizeModel(trainParams.data.model));
  try {
    selectVisualizationLayers(layers, params.layer, params.kind);
  } catch (error) {
    if (!(error instanceof VisualizationInputError)) throw error;
    const path = params.layer === undefined ? 'params.kind' : 'params.layer';
    throw validationFailed(`invalid request body: ${path}: ${error.message}`, [
      { path, message: error.message },
    ]);
  }
}
