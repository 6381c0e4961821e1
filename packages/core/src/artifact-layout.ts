/**
 * Where a training job's artifacts live inside its folder of the artifact store. Every process —
 * worker, API, dashboard, CLI — finds them through these names and helpers, never by a literal.
 *
 *     params.json  summary.json  history.json
 *     scalars.json  per-batch loss and accuracy (every N batches), since format 1 of these records
 *     distributions.json  per-epoch quantiles of every weight tensor (epoch 0: untrained)
 *     model/        the best model (tfjs layers format: model.json + weights)
 *     initial/      the untrained model, for trained-vs-untrained views
 *     checkpoint/   the last finished epoch (or the batch a stop reached) and the state to resume
 *     visualizations/<key>/   manifest.json + raw float32 tensors of one visualization request
 */
export const ARTIFACT_FILES = {
  params: 'params.json',
  summary: 'summary.json',
  history: 'history.json',
  /** BatchScalars (@convoy/schemas): absent in jobs trained before it was recorded. */
  scalars: 'scalars.json',
  /** WeightDistributions (@convoy/schemas): absent in jobs trained before it was recorded. */
  distributions: 'distributions.json',
} as const;

export const ARTIFACT_FOLDERS = {
  bestModel: 'model',
  initialModel: 'initial',
  checkpoint: 'checkpoint',
  visualizations: 'visualizations',
} as const;

/** The file of a saved model that names its weights; written last, so its presence means "whole". */
export const MODEL_JSON_FILE = 'model.json';
/** The manifest of a visualization; written after its tensor files. */
export const VISUALIZATION_MANIFEST_FILE = 'manifest.json';

/** Which of a training job's models: the best trained one or the untrained one. */
export type ModelWeights = 'trained' | 'untrained';

export const modelDirectory = (weights: ModelWeights): string =>
  weights === 'untrained' ? ARTIFACT_FOLDERS.initialModel : ARTIFACT_FOLDERS.bestModel;

/** `model/model.json` or `initial/model.json`. */
export const modelJsonPath = (weights: ModelWeights): string =>
  `${modelDirectory(weights)}/${MODEL_JSON_FILE}`;

/** A file of the checkpoint folder. */
export const checkpointPath = (file: string): string => `${ARTIFACT_FOLDERS.checkpoint}/${file}`;

/** `visualizations/<cacheKey>`: the folder of one visualization request's result. */
export const visualizationDirectory = (cacheKey: string): string =>
  `${ARTIFACT_FOLDERS.visualizations}/${cacheKey}`;

export const visualizationManifestPath = (cacheKey: string): string =>
  `${visualizationDirectory(cacheKey)}/${VISUALIZATION_MANIFEST_FILE}`;
