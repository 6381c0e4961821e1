// Entry of a gradient replica thread: builds the coordinator's model on its own backend, then
// computes a shard's gradients for each training step the coordinator posts.
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import {
  assignFromFlat,
  copyToFlat,
  flatLayout,
  runReplicaThread,
  seedDropoutLayers,
} from '@convoy/model';
import { IMAGE_PIXELS } from '@convoy/schemas';
import type { GradientReplicaBuffers, GradientReplicaSetup } from './gradient-protocol.js';
import { computeShardGradients } from './shard-gradients.js';
import { setDropoutShard } from './sharded-dropout.js';
import { StepChannel, type StepOutcome, type StepRequest } from './step-channel.js';

/** Runs training steps as the coordinator posts them, until it asks to stop; never returns to the event loop. */
function runTrainingReplica(model: LayersModel, buffers: GradientReplicaBuffers): void {
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
      outcome = { ok: false, message: error instanceof Error ? error.message : String(error) };
    }
    channel.finish(sequence, outcome);
  }
}

runReplicaThread<GradientReplicaSetup>((model, setup, port) => {
  port.ready();
  runTrainingReplica(model, setup.buffers);
});
