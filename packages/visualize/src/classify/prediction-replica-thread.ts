// Entry of a prediction replica thread: builds the coordinator's model on its own backend, gives it
// the coordinator's weights, then predicts chunks of the shared image set on request.
import type * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { assignFromFlat, flatLayout, runReplicaThread } from '@convoy/model';
import { predictNextChunk, type SharedPredictionRun } from './predict-chunks.js';
import type {
  PredictAnswer,
  PredictionBuffers,
  PredictionReplicaSetup,
  PredictRequest,
} from './prediction-protocol.js';

function predictionReplica(model: LayersModel, buffers: PredictionBuffers) {
  const shared = {
    images: new Uint8Array(buffers.images),
    predictions: new Int32Array(buffers.predictions),
    control: new Int32Array(buffers.control),
  };
  const variables = model.weights.map((weight) => weight.read() as tf.Variable);
  const { offsets } = flatLayout(variables);
  assignFromFlat(variables, new Float32Array(buffers.weights), offsets);
  return async (request: PredictRequest): Promise<PredictAnswer> => {
    const run: SharedPredictionRun = { ...shared, ...request };
    let chunks = 0;
    while (await predictNextChunk(model, run)) chunks += 1;
    return { type: 'predicted', chunks };
  };
}

runReplicaThread<PredictionReplicaSetup, PredictRequest, PredictAnswer>((model, setup, port) => {
  port.serve(predictionReplica(model, setup.buffers));
  port.ready();
});
