export {
  createConfig,
  loadConfig,
  WORKER_ENVIRONMENT_VARIABLES,
  type WorkerConfig,
  type WorkerConfigInput,
} from './config.js';
export { createWorker, type ConvoyWorker } from './create-worker.js';
export { type HealthCheck } from './worker-health.js';
