export { buildModel, seedDropoutLayers, type BuildModelOptions } from './build-model.js';
export { ModelArtifactError } from './errors.js';
export { countCorrect, sparseCategoricalCrossentropy } from './losses.js';
export { encodeModel, loadModel, saveModel } from './model-io.js';
export { formatSummary, kerasClassName, kerasLayerNames, summarizeModel } from './summary.js';
export { assignFromFlat, copyToFlat, flatLayout, float32Values } from './parallel/flat-tensors.js';
export { Replica, replicaEntry, startReplicas } from './parallel/replica.js';
export type { FromReplica, ReplicaReply, ReplicaSetup } from './parallel/replica-protocol.js';
export {
  buildReplicaModel,
  runReplicaThread,
  type ReplicaPort,
} from './parallel/replica-thread.js';
