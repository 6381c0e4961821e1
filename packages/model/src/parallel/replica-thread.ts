// Entry of a replica thread: builds the coordinator's model on its own backend, then either
// computes a shard's gradients for each training step, or predicts chunks of an image set.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { IMAGE_PIXELS } from '@convoy/data';
import { models, type LayersModel } from '@tensorflow/tfjs-layers';
import { initializeBackend, type BackendRequest } from '../backend.js';
import { seedDropoutLayers } from '../build-model.js';
import { predictNextChunk, type SharedPredictionRun } from './predict-chunks.js';
import {
  type FromReplica,
  type PredictionBuffers,
  type ReplicaBuffers,
  type ReplicaInit,
  type ToReplica,
} from './replica-protocol.js';
import { computeShardGradients } from './shard-gradients.js';
import { assignFromFlat, copyToFlat, flatLayout } from './flat-tensors.js';
import { setDropoutShard } from './sharded-dropout.js';
import { StepChannel, type StepOutcome, type StepRequest } from './step-channel.js';

if (parentPort === null) throw new Error('replica-thread runs only as a worker thread');
const port: MessagePort = parentPort;
const send = (message: FromReplica) => port.postMessage(message);

/** Runs training steps as the coordinator posts them, until it asks to stop; never returns to the event loop. */
function runTrainingReplica(model: LayersModel, buffers: ReplicaBuffers): void {
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const { offsets } = flatLayout(variables);
  const weights = new Float32Array(buffers.weights);
  const gradients = new Float32Array(buffers.gradients);
  const images = new Float32Array(buffers.images);
  const labels = new Float32Array(buffers.labels);
  const channel = new StepChannel(buffers.channel);
  const runStep = (step: StepRequest): StepOutcome => {
    const started = performance.now();
    assignFromFlat(variables, weights, offsets);
    seedDropoutLayers(model, step.dropoutSeed);
    setDropoutShard(model, step);
    const xs = tf.tensor4d(images.subarray(0, step.size * IMAGE_PIXELS), [step.size, 28, 28, 1]);
    const ys = tf.tensor1d(labels.subarray(0, step.size), 'float32');
    const result = computeShardGradients(model, variables, xs, ys, step);
    try {
      copyToFlat(result.grads, gradients, offsets);
      const loss = result.loss.dataSync()[0] ?? Number.NaN;
      const correct = result.correct.dataSync()[0] ?? 0;
      return { ok: true, loss, correct, milliseconds: performance.now() - started };
    } finally {
      tf.dispose([xs, ys, result.loss, result.correct, ...result.grads]);
    }
  };
  for (let sequence = 1; ; sequence += 1) {
    const step = channel.next(sequence);
    if (step === null) return;
    let outcome: StepOutcome;
    try {
      outcome = runStep(step);
    } catch (error) {
      outcome = { ok: false, message: describe(error) };
    }
    channel.finish(sequence, outcome);
  }
}

function predictionReplica(model: LayersModel, buffers: PredictionBuffers) {
  const shared = {
    images: new Uint8Array(buffers.images),
    predictions: new Int32Array(buffers.predictions),
    control: new Int32Array(buffers.control),
  };
  const variables = model.weights.map((weight) => weight.read() as tf.Variable);
  const { offsets } = flatLayout(variables);
  assignFromFlat(variables, new Float32Array(buffers.weights), offsets);
  return async (request: ToReplica): Promise<FromReplica> => {
    const run: SharedPredictionRun = { ...shared, ...request };
    let chunks = 0;
    while (await predictNextChunk(model, run)) chunks += 1;
    return { type: 'predicted', chunks };
  };
}

async function startReplica(init: ReplicaInit): Promise<void> {
  await initializeBackend(init.backend as BackendRequest);
  const model = await models.modelFromJSON({ modelTopology: JSON.parse(init.modelTopology) });
  if (init.mode === 'train') {
    send({ type: 'ready' });
    runTrainingReplica(model, init.buffers);
    return;
  }
  const predict = predictionReplica(model, init.buffers);
  port.on('message', (message: ToReplica) => {
    predict(message).then(send, (error: unknown) =>
      send({ type: 'error', message: describe(error) }),
    );
  });
  send({ type: 'ready' });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

startReplica(workerData as ReplicaInit).catch((error: unknown) =>
  send({ type: 'error', message: `replica failed: ${describe(error)}` }),
);
