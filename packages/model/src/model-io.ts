import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { MODEL_JSON_FILE } from '@convoy/core';
import { applyUpload, type ArtifactUpload, type JobArtifacts } from '@convoy/storage';
import type { ModelCheckpoint } from '@convoy/schemas';
import { ModelArtifactError } from './errors.js';

interface ModelJson {
  modelTopology: object;
  weightsManifest: tf.io.WeightsManifestConfig;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  /** tfjs layers format's free-form field; Convoy keeps `{ convoy: ModelCheckpoint }` here. */
  userDefinedMetadata?: Record<string, unknown>;
}

/**
 * `model` in tfjs layers format as an upload to `directory` of a job's artifacts: the weights file
 * has a fresh name each time and model.json goes last, so a reader always finds a model.json whose
 * weights are complete; the previous weights file is pruned afterwards. The bytes are copied now, so
 * training can go on while the upload lands.
 */
export async function encodeModel(
  model: tfl.LayersModel,
  directory: string,
  /** Which epoch these weights are (model.json's `userDefinedMetadata.convoy`). */
  checkpoint?: ModelCheckpoint,
): Promise<ArtifactUpload> {
  const weightsFile = `weights-${Date.now().toString(36)}.bin`;
  let upload: ArtifactUpload | undefined;
  await model.save(
    tf.io.withSaveHandler(async (saved) => {
      const weightData =
        saved.weightData === undefined
          ? new ArrayBuffer(0)
          : tf.io.CompositeArrayBuffer.join(saved.weightData);
      const modelJson: ModelJson = {
        format: saved.format ?? 'layers-model',
        generatedBy: saved.generatedBy ?? '',
        convertedBy: saved.convertedBy ?? null,
        modelTopology: saved.modelTopology as object,
        weightsManifest: [{ paths: [`./${weightsFile}`], weights: saved.weightSpecs ?? [] }],
        ...(checkpoint === undefined ? {} : { userDefinedMetadata: { convoy: checkpoint } }),
      };
      upload = {
        writes: [
          { path: `${directory}/${weightsFile}`, data: new Uint8Array(weightData) },
          { path: `${directory}/${MODEL_JSON_FILE}`, data: JSON.stringify(modelJson) },
        ],
        prune: { directory, suffix: '.bin', keep: [weightsFile] },
      };
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(saved) };
    }),
  );
  if (upload === undefined) throw new Error('model.save did not call its save handler');
  return upload;
}

/** Saves `model` under `directory` of a job's artifacts now (see encodeModel). */
export async function saveModel(
  model: tfl.LayersModel,
  artifacts: JobArtifacts,
  directory: string,
): Promise<void> {
  await applyUpload(artifacts, await encodeModel(model, directory));
}

export async function loadModel(
  artifacts: JobArtifacts,
  directory: string,
): Promise<tfl.LayersModel> {
  let modelJson: ModelJson;
  let weightData: Buffer;
  try {
    modelJson = JSON.parse(
      (await artifacts.read(`${directory}/${MODEL_JSON_FILE}`)).toString('utf8'),
    ) as ModelJson;
    const paths = modelJson.weightsManifest.flatMap((group) =>
      group.paths.map((path) => path.replace(/^\.\//, '')),
    );
    weightData = Buffer.concat(
      await Promise.all(paths.map((path) => artifacts.read(`${directory}/${path}`))),
    );
  } catch (error) {
    throw new ModelArtifactError(
      `cannot read the saved model ${directory}/ of ${artifacts.jobId}`,
      { cause: error },
    );
  }
  return tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights),
      weightData: new Uint8Array(weightData).buffer,
    }),
  );
}
