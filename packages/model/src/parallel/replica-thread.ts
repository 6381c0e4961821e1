// Entry of a replica thread: builds the coordinator's model on its own backend, then either
// computes a shard's gradients for each training step, or predicts chunks of an image set.
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { models, type LayersModel } from '@tensorflow/tfjs-layers';
import { initializeBackend, type BackendRequest } from '../backend.js';
import { seedDropoutLayers } from '../build-model.js';
import { predictNextChunk, type SharedPredictionRun } from './predict-chunks.js';
import {
  IMAGE_SIZE,
  variableOffsets,
  type FromReplica,
  type PredictionBuffers,
  type ReplicaBuffers,
  type ReplicaInit,
  type ToReplica,
} from './replica-protocol.js';
import { computeShardGradients } from './shard-gradients.js';
import { setDropoutShard } from './sharded-dropout.js';

const port = parentPort;
if (port === null) throw new Error('replica-thread runs only as a worker thread');
const send = (message: FromReplica) => port.postMessage(message);

/** Writes `values` (laid out as variableOffsets of the tensors' sizes) into the tensors. */
function loadInto(targets: readonly tf.Variable[], values: Float32Array): void {
  const { offsets } = variableOffsets(targets.map((target) => target.size));
  targets.forEach((target, index) => {
    const offset = offsets[index] ?? 0;
    const tensor = tf.tensor(values.subarray(offset, offset + target.size), target.shape);
    target.assign(tensor);
    tensor.dispose();
  });
}

function trainingReplica(model: LayersModel, buffers: ReplicaBuffers) {
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const { offsets } = variableOffsets(variables.map((variable) => variable.size));
  const weights = new Float32Array(buffers.weights);
  const gradients = new Float32Array(buffers.gradients);
  const images = new Float32Array(buffers.images);
  const labels = new Float32Array(buffers.labels);
  return async (step: Extract<ToReplica, { type: 'step' }>): Promise<FromReplica> => {
    loadInto(variables, weights);
    const shard = { offset: step.offset, size: step.size, batchSize: step.batchSize };
    seedDropoutLayers(model, step.dropoutSeed);
    setDropoutShard(model, shard);
    const xs = tf.tensor4d(images.subarray(0, step.size * IMAGE_SIZE), [step.size, 28, 28, 1]);
    const ys = tf.tensor1d(labels.subarray(0, step.size), 'float32');
    const result = computeShardGradients(model, variables, xs, ys, shard);
    try {
      for (const [index, grad] of result.grads.entries()) {
        gradients.set(grad.dataSync() as Float32Array, offsets[index] ?? 0);
      }
      const [loss, correct] = await Promise.all([result.loss.data(), result.correct.data()]);
      return { type: 'done', loss: loss[0] ?? Number.NaN, correct: correct[0] ?? 0 };
    } finally {
      tf.dispose([xs, ys, result.loss, result.correct, ...result.grads]);
    }
  };
}

function predictionReplica(model: LayersModel, buffers: PredictionBuffers) {
  const shared = {
    images: new Uint8Array(buffers.images),
    predictions: new Int32Array(buffers.predictions),
    control: new Int32Array(buffers.control),
  };
  loadInto(
    model.weights.map((weight) => weight.read() as tf.Variable),
    new Float32Array(buffers.weights),
  );
  return async (request: Extract<ToReplica, { type: 'predict' }>): Promise<FromReplica> => {
    const run: SharedPredictionRun = { ...shared, ...request };
    let chunks = 0;
    while (await predictNextChunk(model, run)) chunks += 1;
    return { type: 'predicted', chunks };
  };
}

async function startReplica(
  init: ReplicaInit,
): Promise<(message: ToReplica) => Promise<FromReplica>> {
  await initializeBackend(init.backend as BackendRequest);
  const model = await models.modelFromJSON({ modelTopology: JSON.parse(init.modelTopology) });
  if (init.mode === 'train') {
    const step = trainingReplica(model, init.buffers);
    return (message) => (message.type === 'step' ? step(message) : unexpected(message.type));
  }
  const predict = predictionReplica(model, init.buffers);
  return (message) => (message.type === 'predict' ? predict(message) : unexpected(message.type));
}

const unexpected = (type: string): never => {
  throw new Error(`replica got an unexpected '${type}' message`);
};
const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

startReplica(workerData as ReplicaInit).then(
  (handle) => {
    port.on('message', (message: ToReplica) => {
      handle(message).then(send, (error: unknown) =>
        send({ type: 'error', message: describe(error) }),
      );
    });
    send({ type: 'ready' });
  },
  (error: unknown) => send({ type: 'error', message: `replica did not start: ${describe(error)}` }),
);
