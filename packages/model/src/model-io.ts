import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { MODEL_JSON_FILE } from '@convoy/core';
import type { JobArtifacts } from '@convoy/storage';
import { ModelArtifactError } from './errors.js';

interface ModelJson {
  modelTopology: object;
  weightsManifest: tf.io.WeightsManifestConfig;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
}

/**
 * Saves `model` in tfjs layers format under `directory` of a job's artifacts. The weights file has a
 * fresh name each time and model.json is written last, so a reader always finds a model.json whose
 * weights are complete; the previous weights file is removed afterwards.
 */
export async function saveModel(
  model: tfl.LayersModel,
  artifacts: JobArtifacts,
  directory: string,
): Promise<void> {
  const weightsFile = `weights-${Date.now().toString(36)}.bin`;
  await model.save(
    tf.io.withSaveHandler(async (saved) => {
      const weightData =
        saved.weightData === undefined
          ? new ArrayBuffer(0)
          : tf.io.CompositeArrayBuffer.join(saved.weightData);
      await artifacts.write(`${directory}/${weightsFile}`, new Uint8Array(weightData));
      const modelJson: ModelJson = {
        format: saved.format ?? 'layers-model',
        generatedBy: saved.generatedBy ?? '',
        convertedBy: saved.convertedBy ?? null,
        modelTopology: saved.modelTopology as object,
        weightsManifest: [{ paths: [`./${weightsFile}`], weights: saved.weightSpecs ?? [] }],
      };
      await artifacts.write(`${directory}/${MODEL_JSON_FILE}`, JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(saved) };
    }),
  );
  const stale = (await artifacts.list(directory)).filter(
    (info) => info.path.endsWith('.bin') && info.path !== `${directory}/${weightsFile}`,
  );
  await Promise.all(stale.map((info) => artifacts.remove(info.path)));
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
