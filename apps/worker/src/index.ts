export { createConfig, loadConfig, type WorkerConfig, type WorkerConfigInput } from './config.js';
export { createWorker, type ConvoyWorker } from './create-worker.js';
