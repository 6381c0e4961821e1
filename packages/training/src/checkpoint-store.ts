import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { ARTIFACT_FOLDERS, checkpointPath } from '@convoy/core';
import { epochRecordSchema } from '@convoy/schemas';
import { applyUpload, type ArtifactUpload, type JobArtifacts } from '@convoy/storage';
import { ModelArtifactError } from '@convoy/model';
import type { ResumeState, TrainingSnapshot } from './training-state.js';

const CHECKPOINT_DIR = ARTIFACT_FOLDERS.checkpoint;
const STATE_FILE = checkpointPath('state.json');
const CHECKPOINT_FORMAT = 1;

const weightSpecSchema = z.array(
  z.looseObject({ name: z.string(), shape: z.array(z.int()), dtype: z.string() }),
);
const tensorFileSchema = z.object({ file: z.string(), specs: weightSpecSchema });
const bestStateSchema = z.object({ best: z.number().nullable(), bestEpoch: z.int().nullable() });

const checkpointStateSchema = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  epoch: z.int().min(0),
  partialEpoch: z
    .object({
      batch: z.int(),
      lossSum: z.number(),
      correct: z.number(),
      seen: z.int(),
      seconds: z.number(),
    })
    .nullable(),
  history: z.array(epochRecordSchema),
  checkpoint: bestStateSchema,
  earlyStopping: bestStateSchema.extend({ wait: z.int() }).nullable(),
  model: tensorFileSchema,
  optimizer: tensorFileSchema,
  earlyStoppingWeights: tensorFileSchema.nullable(),
  savedAt: z.string(),
});
type CheckpointState = z.infer<typeof checkpointStateSchema>;

/** Positional names: the same layer names get numeric suffixes in a process that built other models. */
const indexed = (tensors: readonly tf.Tensor[]) =>
  tensors.map((tensor, index) => ({ name: `w${index}`, tensor }));

/** The tensors as one checkpoint file's bytes (copied now) and the entry state.json keeps of them. */
async function encodeTensors(
  file: string,
  tensors: { name: string; tensor: tf.Tensor }[],
): Promise<{ entry: z.infer<typeof tensorFileSchema>; data: Uint8Array }> {
  const { data, specs } = await tf.io.encodeWeights(tensors);
  return { entry: { file, specs: specs.map((spec) => ({ ...spec })) }, data: new Uint8Array(data) };
}

async function readTensors(artifacts: JobArtifacts, entry: z.infer<typeof tensorFileSchema>) {
  const bytes = await artifacts.read(checkpointPath(entry.file));
  const buffer = bytes.buffer.slice(
    bytes.byteOffset,
    bytes.byteOffset + bytes.byteLength,
  ) as ArrayBuffer;
  const decoded = tf.io.decodeWeights(buffer, entry.specs as tf.io.WeightsManifestEntry[]);
  return entry.specs.map((spec) => ({ name: spec.name, tensor: decoded[spec.name] as tf.Tensor }));
}

/**
 * A snapshot as an upload to `checkpoint/`: tensors go to files named by epoch and batch, then
 * `state.json` is replaced to point at them, then older files are pruned. Interrupted at any point,
 * it leaves the previous complete checkpoint readable. The bytes are copied now: training can go on
 * while the upload lands.
 */
export async function encodeCheckpoint(snapshot: TrainingSnapshot): Promise<ArtifactUpload> {
  const tag = `${snapshot.epoch}-${snapshot.partialEpoch?.batch ?? 0}`;
  const model = await encodeTensors(`model-${tag}.bin`, indexed(snapshot.modelWeights));
  const optimizer = await encodeTensors(`optimizer-${tag}.bin`, [...snapshot.optimizerWeights]);
  const earlyStoppingWeights = snapshot.earlyStoppingWeights
    ? await encodeTensors(`best-weights-${tag}.bin`, indexed(snapshot.earlyStoppingWeights))
    : null;
  const state: CheckpointState = {
    format: CHECKPOINT_FORMAT,
    epoch: snapshot.epoch,
    partialEpoch: snapshot.partialEpoch,
    history: [...snapshot.history],
    checkpoint: snapshot.checkpoint,
    earlyStopping: snapshot.earlyStopping,
    model: model.entry,
    optimizer: optimizer.entry,
    earlyStoppingWeights: earlyStoppingWeights?.entry ?? null,
    savedAt: new Date().toISOString(),
  };
  const files = [model, optimizer, ...(earlyStoppingWeights ? [earlyStoppingWeights] : [])];
  return {
    writes: [
      ...files.map(({ entry, data }) => ({ path: checkpointPath(entry.file), data })),
      { path: STATE_FILE, data: `${JSON.stringify(state)}\n` },
    ],
    prune: {
      directory: CHECKPOINT_DIR,
      suffix: '.bin',
      keep: files.map(({ entry }) => entry.file),
    },
  };
}

/** Persists a snapshot now (see encodeCheckpoint). */
export async function writeCheckpoint(
  artifacts: JobArtifacts,
  snapshot: TrainingSnapshot,
): Promise<void> {
  await applyUpload(artifacts, await encodeCheckpoint(snapshot));
}

export interface LoadedCheckpoint {
  /** Finished epochs. */
  readonly epoch: number;
  readonly resume: ResumeState;
}

/**
 * Reads `checkpoint/` back, sets `model`'s weights from it, and returns the rest of the state;
 * null when the job has no checkpoint yet.
 */
export async function loadCheckpoint(
  artifacts: JobArtifacts,
  model: LayersModel,
): Promise<LoadedCheckpoint | null> {
  if ((await artifacts.stat(STATE_FILE)) === null) return null;
  let state: CheckpointState;
  try {
    state = checkpointStateSchema.parse(
      JSON.parse((await artifacts.read(STATE_FILE)).toString('utf8')),
    );
  } catch (error) {
    throw new ModelArtifactError(`the checkpoint of job ${artifacts.jobId} is unreadable`, {
      cause: error,
    });
  }
  const weights = await readTensors(artifacts, state.model);
  try {
    model.setWeights(weights.map((entry) => entry.tensor));
  } catch (error) {
    throw new ModelArtifactError(
      `the checkpoint of job ${artifacts.jobId} does not fit its model`,
      { cause: error },
    );
  } finally {
    tf.dispose(weights.map((entry) => entry.tensor));
  }
  const optimizerWeights = await readTensors(artifacts, state.optimizer);
  const earlyStoppingWeights = state.earlyStoppingWeights
    ? (await readTensors(artifacts, state.earlyStoppingWeights)).map((entry) => entry.tensor)
    : null;
  return {
    epoch: state.epoch,
    resume: {
      history: state.history,
      partialEpoch: state.partialEpoch,
      checkpoint: state.checkpoint,
      earlyStopping: state.earlyStopping,
      optimizerWeights,
      earlyStoppingWeights,
    },
  };
}

/** Frees the tensors a loaded checkpoint holds when it is not handed to trainModel. */
export function disposeResumeState(resume: ResumeState): void {
  tf.dispose([
    ...resume.optimizerWeights.map((entry) => entry.tensor),
    ...(resume.earlyStoppingWeights ?? []),
  ]);
}
