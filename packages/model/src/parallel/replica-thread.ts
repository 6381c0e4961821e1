// The start of every replica thread's entry: the coordinator's backend and model, on this thread.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { models, type LayersModel } from '@tensorflow/tfjs-layers';
import { initializeBackend, type BackendRequest } from '@convoy/backend';
import type { FromReplica, ReplicaSetup } from './replica-protocol.js';

/** How a replica thread's entry talks to its coordinator. */
export interface ReplicaPort<Request, Answer> {
  /** Tells the coordinator this replica is ready (startReplicas waits for every one). */
  ready(): void;
  /** Answers every request with what `handle` resolves with, or with its error. */
  serve(handle: (request: Request) => Promise<Answer>): void;
}

const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/** Starts the backend the coordinator runs on, and builds the coordinator's model (untrained). */
export async function buildReplicaModel(setup: ReplicaSetup): Promise<LayersModel> {
  await initializeBackend(setup.backend as BackendRequest);
  return models.modelFromJSON({ modelTopology: JSON.parse(setup.modelTopology) });
}

/**
 * Runs a replica thread: builds the model its setup (workerData) describes, then hands it to
 * `start`, which says when it is ready. A failure on the way reaches the coordinator as the reason
 * startReplicas rejects with.
 */
export function runReplicaThread<Setup extends ReplicaSetup, Request = never, Answer = never>(
  start: (model: LayersModel, setup: Setup, port: ReplicaPort<Request, Answer>) => void,
): void {
  if (parentPort === null) throw new Error('a replica runs only as a worker thread');
  const thread: MessagePort = parentPort;
  const send = (message: FromReplica<Answer>) => thread.postMessage(message);
  const port: ReplicaPort<Request, Answer> = {
    ready: () => send({ type: 'ready' }),
    serve: (handle) =>
      thread.on('message', (request: Request) => {
        handle(request).then(send, (error: unknown) =>
          send({ type: 'error', message: errorMessage(error) }),
        );
      }),
  };
  const setup = workerData as Setup;
  buildReplicaModel(setup)
    .then((model) => start(model, setup, port))
    .catch((error: unknown) =>
      send({ type: 'error', message: `replica failed: ${errorMessage(error)}` }),
    );
}
