/**
 * Entry point of a training thread. Training is CPU-bound and synchronous within each batch; run on
 * the worker's main thread, a long batch would starve BullMQ's lock renewal ("Missing lock for job").
 * Here it runs beside the main thread, which stays free for locks, progress and signals.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initializeBackend } from '@convoy/backend';
import { createArtifactStore } from '@convoy/storage';
import { runTraining } from '@convoy/training';
import { ThreadUploads } from './thread-uploads.js';
import {
  failedMessage,
  type FromTrainingThread,
  type ToTrainingThread,
  type TrainingThreadConfig,
} from './training-messages.js';

if (!parentPort) throw new Error('training-thread.js must run as a worker thread');
const port = parentPort;
const config = workerData as TrainingThreadConfig;
const send = (message: FromTrainingThread) => port.postMessage(message);

const backend = await initializeBackend(config.backend);
// Reads only (the checkpoint to resume from): what training writes, the main thread lands.
const store = createArtifactStore(config.artifacts);
const uploads = new ThreadUploads(port);
let current: AbortController | null = null;
/** The main thread's answer awaited after an epoch (runs with decideEpochs). */
let decision: ((prune: string | null) => void) | null = null;

function awaitDecision(): Promise<string | null> {
  return new Promise((resolve) => {
    decision = resolve;
  });
}

async function run({
  jobId,
  params,
  decideEpochs,
}: Extract<ToTrainingThread, { type: 'run' }>): Promise<void> {
  current = new AbortController();
  try {
    const result = await runTraining({
      params,
      artifacts: store.job(jobId),
      dataDir: config.dataDir,
      officialDataDir: config.officialDataDir,
      backend,
      resume: true,
      signal: current.signal,
      threads: config.threads,
      uploads,
      onStart: ({ resumedFromEpoch, history }) =>
        send({ type: 'start', resumedFromEpoch, history: [...history] }),
      onStage: (stage) => send({ type: 'stage', stage, backend }),
      onProgress: (progress) => send({ type: 'progress', progress }),
      onEpochEnd: (record) => send({ type: 'epoch', record }),
      pruneAfterEpoch: decideEpochs ? () => awaitDecision() : undefined,
    });
    send({ type: 'done', result });
  } catch (error) {
    send(failedMessage(error));
  } finally {
    current = null;
    decision = null;
  }
}

port.on('message', (message: ToTrainingThread) => {
  if (message.type === 'run') void run(message);
  else if (message.type === 'upload-reply') uploads.settle(message);
  else if (message.type === 'epoch-decision') {
    const resolve = decision;
    decision = null;
    resolve?.(message.prune);
  } else current?.abort(new Error(message.reason));
});
send({ type: 'ready', backend });
