export { readWorkerConfig, WorkerConfigError, type WorkerConfig } from './config.js';
export { createWorker, type ConvoyWorker } from './create-worker.js';
