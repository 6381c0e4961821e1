// Entry of a gradient replica thread: builds the coordinator's model on its own backend, then for
// each step loads the shared weights, computes its shard's gradients and writes them back.
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { models, type LayersModel } from '@tensorflow/tfjs-layers';
import { initializeBackend, type BackendRequest } from '../backend.js';
import { seedDropoutLayers } from '../build-model.js';
import {
  IMAGE_SIZE,
  type FromReplica,
  type ReplicaInit,
  type ToReplica,
} from './replica-protocol.js';
import { computeShardGradients } from './shard-gradients.js';
import { setDropoutShard } from './sharded-dropout.js';

const port = parentPort;
if (port === null) throw new Error('replica-thread runs only as a worker thread');
const send = (message: FromReplica) => port.postMessage(message);

interface Replica {
  readonly model: LayersModel;
  readonly variables: tf.Variable[];
  readonly offsets: number[];
  readonly weights: Float32Array;
  readonly gradients: Float32Array;
  readonly images: Float32Array;
  readonly labels: Float32Array;
}

async function startReplica(init: ReplicaInit): Promise<Replica> {
  await initializeBackend(init.backend as BackendRequest);
  const model = await models.modelFromJSON({ modelTopology: JSON.parse(init.modelTopology) });
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const offsets: number[] = [];
  let total = 0;
  for (const variable of variables) {
    offsets.push(total);
    total += variable.size;
  }
  return {
    model,
    variables,
    offsets,
    weights: new Float32Array(init.buffers.weights),
    gradients: new Float32Array(init.buffers.gradients),
    images: new Float32Array(init.buffers.images),
    labels: new Float32Array(init.buffers.labels),
  };
}

function loadWeights(replica: Replica): void {
  replica.variables.forEach((variable, index) => {
    const offset = replica.offsets[index] ?? 0;
    const values = tf.tensor(
      replica.weights.subarray(offset, offset + variable.size),
      variable.shape,
      'float32',
    );
    variable.assign(values);
    values.dispose();
  });
}

async function runStep(replica: Replica, step: ToReplica): Promise<FromReplica> {
  loadWeights(replica);
  const shard = { offset: step.offset, size: step.size, batchSize: step.batchSize };
  seedDropoutLayers(replica.model, step.dropoutSeed);
  setDropoutShard(replica.model, shard);
  const xs = tf.tensor4d(replica.images.subarray(0, step.size * IMAGE_SIZE), [
    step.size,
    28,
    28,
    1,
  ]);
  const ys = tf.tensor1d(replica.labels.subarray(0, step.size), 'float32');
  const result = computeShardGradients(replica.model, replica.variables, xs, ys, shard);
  try {
    for (const [index, grad] of result.grads.entries()) {
      replica.gradients.set(grad.dataSync() as Float32Array, replica.offsets[index] ?? 0);
    }
    const [loss, correct] = await Promise.all([result.loss.data(), result.correct.data()]);
    return { type: 'done', loss: loss[0] ?? Number.NaN, correct: correct[0] ?? 0 };
  } finally {
    tf.dispose([xs, ys, result.loss, result.correct, ...result.grads]);
  }
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

startReplica(workerData as ReplicaInit).then(
  (replica) => {
    port.on('message', (step: ToReplica) => {
      runStep(replica, step).then(send, (error: unknown) =>
        send({ type: 'error', message: describe(error) }),
      );
    });
    send({ type: 'ready' });
  },
  (error: unknown) => send({ type: 'error', message: `replica did not start: ${describe(error)}` }),
);
