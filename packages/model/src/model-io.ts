import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ModelArtifactError } from './errors.js';

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

/** Writes a file so that readers see the old content or the new, never half of one. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, data);
  await rename(temporary, path);
}

/** tfjs's `file://` handler only exists in tfjs-node; this one writes the same layers format anywhere. */
function directorySaveHandler(directory: string): tf.io.IOHandler {
  return tf.io.withSaveHandler(async (artifacts) => {
    await mkdir(directory, { recursive: true });
    const weightData =
      artifacts.weightData === undefined
        ? new ArrayBuffer(0)
        : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
    await writeFileAtomic(join(directory, WEIGHTS_BIN), new Uint8Array(weightData));
    const modelJson = {
      format: artifacts.format ?? 'layers-model',
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy ?? null,
      modelTopology: artifacts.modelTopology,
      trainingConfig: artifacts.trainingConfig,
      weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
    };
    // model.json last: its presence means the weights beside it are complete.
    await writeFileAtomic(join(directory, MODEL_JSON), JSON.stringify(modelJson));
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  });
}

export async function saveModel(model: tfl.LayersModel, directory: string): Promise<void> {
  await model.save(directorySaveHandler(directory));
}

/** Replaces `directory` with a fresh save, so a crash mid-write leaves the previous model whole. */
export async function replaceSavedModel(model: tfl.LayersModel, directory: string): Promise<void> {
  const staging = `${directory}.staging-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await saveModel(model, staging);
  await rm(directory, { recursive: true, force: true });
  await rename(staging, directory);
}

interface ModelJson {
  modelTopology: object;
  weightsManifest: tf.io.WeightsManifestConfig;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
}

export async function loadModel(directory: string): Promise<tfl.LayersModel> {
  let modelJson: ModelJson;
  let weightData: Buffer;
  try {
    modelJson = JSON.parse(await readFile(join(directory, MODEL_JSON), 'utf8')) as ModelJson;
    const paths = modelJson.weightsManifest.flatMap((group) => group.paths);
    weightData = Buffer.concat(
      await Promise.all(paths.map((path) => readFile(join(directory, path)))),
    );
  } catch (error) {
    throw new ModelArtifactError(`cannot read the saved model in ${directory}`, { cause: error });
  }
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: modelJson.modelTopology,
    weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights),
    weightData: new Uint8Array(weightData).buffer,
  };
  return tfl.loadLayersModel(tf.io.fromMemory(artifacts));
}
