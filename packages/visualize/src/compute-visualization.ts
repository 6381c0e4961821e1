import type * as tfl from '@tensorflow/tfjs-layers';
import type { ImageSet } from '@convoy/data';
import {
  DEFAULT_SAMPLE,
  encodeTensorFile,
  type InputImage,
  testImage,
  uploadedImage,
  VISUALIZATION_MANIFEST_FILE,
  visualizationCacheKey,
  type VisualizationRequest,
} from '@convoy/core';
import {
  VISUALIZATION_MANIFEST_VERSION,
  visualizationManifestSchema,
  type VisualizationContent,
  type VisualizationManifest,
} from '@convoy/schemas';
import type { ConfusionMatrixOptions } from './classify/predict-classes.js';
import type { VisualizationComputation } from './computation.js';
import { computeFeatureMaps } from './feature-maps.js';
import { computeMisclassified } from './misclassified.js';
import { computeConfusionMatrix, computePredictions } from './predictions.js';
import { computeFilters, computeWeightsHistogram, DEFAULT_HISTOGRAM_BINS } from './weights.js';

/** What a visualization reads, already loaded by the caller. */
export interface VisualizationSources {
  /** The training job's model that `params.weights` names: `model/` (trained) or `initial/` (untrained). */
  readonly model: tfl.LayersModel;
  /** The test set; needed for confusion-matrix, misclassified and for feature maps or predictions of a test image. */
  readonly testSet?: ImageSet;
}

export interface ComputeVisualizationOptions extends ConfusionMatrixOptions {
  /** Histogram bins (default 10, matplotlib's default). */
  readonly bins?: number;
  /** How many classes predictions lists (default all 10). */
  readonly topK?: number;
  /** The manifest's createdAt (default: now). */
  readonly now?: Date;
  /** The manifest's modelVersion: which save of the model the sources hold. */
  readonly modelVersion?: string | undefined;
}

export interface VisualizationResult {
  readonly manifest: VisualizationManifest;
  /** Each tensor's values, keyed by its `file` in `manifest.tensors`. */
  readonly tensors: ReadonlyMap<string, Float32Array>;
}

/** The input image a feature-map or prediction request names (default: test image 0). */
export function requestedImage(params: VisualizationRequest, testSet?: ImageSet): InputImage {
  if (params.image !== undefined) return uploadedImage(params.image);
  const sample = params.sample ?? DEFAULT_SAMPLE;
  if (!testSet) throw new Error(`the test set is needed for test image ${sample}`);
  return testImage(testSet, sample);
}

async function computeContent(
  params: VisualizationRequest,
  sources: VisualizationSources,
  options: ComputeVisualizationOptions,
): Promise<VisualizationComputation> {
  const { model } = sources;
  switch (params.kind) {
    case 'filters':
      return computeFilters(model, params.layer);
    case 'weights-histogram':
      return computeWeightsHistogram(model, params.layer, options.bins ?? DEFAULT_HISTOGRAM_BINS);
    case 'feature-maps':
      return computeFeatureMaps(model, requestedImage(params, sources.testSet), params.layer);
    case 'predictions':
      return computePredictions(model, requestedImage(params, sources.testSet), options.topK);
    case 'confusion-matrix': {
      if (!sources.testSet) throw new Error('the test set is needed for a confusion matrix');
      return computeConfusionMatrix(model, sources.testSet, options);
    }
    case 'misclassified': {
      if (!sources.testSet) throw new Error('the test set is needed for the misclassified images');
      return computeMisclassified(model, sources.testSet, options);
    }
  }
}

/**
 * Runs the visualization a job's params ask for on an already-loaded model and returns its manifest
 * (validated against visualizationManifestSchema) and tensor values. Throws VisualizationInputError
 * for requests that do not fit the model or data (unknown or wrong layer, bad image, sample out of range).
 */
export async function computeVisualization(
  params: VisualizationRequest,
  sources: VisualizationSources,
  options: ComputeVisualizationOptions = {},
): Promise<VisualizationResult> {
  const { content, tensors } = await computeContent(params, sources, options);
  const manifest = visualizationManifestSchema.parse({
    version: VISUALIZATION_MANIFEST_VERSION,
    trainJobId: params.jobId,
    weights: params.weights ?? 'trained',
    cacheKey: visualizationCacheKey(params),
    createdAt: (options.now ?? new Date()).toISOString(),
    ...(options.modelVersion === undefined ? {} : { modelVersion: options.modelVersion }),
    ...(content satisfies VisualizationContent),
  });
  return { manifest, tensors };
}

/** The files of a result, by name: `manifest.json` and one raw float32 file per tensor. */
export function visualizationFiles(result: VisualizationResult): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  files.set(
    VISUALIZATION_MANIFEST_FILE,
    new TextEncoder().encode(`${JSON.stringify(result.manifest, null, 2)}\n`),
  );
  for (const tensor of result.manifest.tensors) {
    const values = result.tensors.get(tensor.file);
    if (!values) throw new Error(`no values for tensor file ${tensor.file}`);
    files.set(tensor.file, encodeTensorFile(values));
  }
  return files;
}
