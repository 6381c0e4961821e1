export {
  BACKEND_REQUESTS,
  initializeBackend,
  isCudaDeviceVisible,
  planBackends,
  trainingThreads,
  type ActiveBackend,
  type BackendRequest,
  type CudaProbe,
} from './backend.js';
export { BackendUnavailableError } from './errors.js';
export { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from './kernels/index.js';
