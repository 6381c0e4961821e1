import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initializeBackend } from '@convoy/backend';
import { buildModel, Replica, replicaEntry, startReplicas } from '@convoy/model';
import {
  CONTROL_SLOTS,
  type PredictAnswer,
  type PredictionReplicaSetup,
  type PredictRequest,
} from './prediction-protocol.js';

// Replica and startReplicas (@convoy/model) with a real entry: this package's prediction replica.
const entry = replicaEntry('./prediction-replica-thread.js', import.meta.url);

beforeAll(async () => {
  await initializeBackend('wasm');
});

function predictInit(backend: string): PredictionReplicaSetup {
  const model = buildModel({ preset: 'cnn-avgpool' }, { seed: 1 });
  const topology = JSON.stringify(model.toJSON(null, false));
  const weights = model.weights.reduce((sum, weight) => sum + weight.read().size, 0);
  model.dispose();
  return {
    modelTopology: topology,
    backend,
    buffers: {
      weights: new SharedArrayBuffer(weights * 4),
      images: new SharedArrayBuffer(784),
      predictions: new SharedArrayBuffer(4),
      control: new SharedArrayBuffer(CONTROL_SLOTS * 4),
    },
  };
}

describe('replica threads', () => {
  it('start on the backend asked for and report ready', async () => {
    const [replica] = await startReplicas(entry, [predictInit(tf.getBackend())], () => null);
    expect(replica?.failure).toBeNull();
    await replica?.terminate();
  });

  it("fail to start with the thread's reason, and stop the ones that did start", async () => {
    const good = predictInit(tf.getBackend());
    const bad = predictInit('no-such-backend');
    await expect(startReplicas(entry, [good, bad], () => null)).rejects.toThrow(/replica failed/);
  });

  it('reject what is pending, and every later request, once the thread has stopped', async () => {
    const replica = new Replica<null, PredictRequest, PredictAnswer>(
      entry,
      predictInit(tf.getBackend()),
      null,
    );
    await replica.next();
    const pending = replica.request({ type: 'predict', count: 1, chunkSize: 1 }).catch((e) => e);
    await replica.terminate();
    await pending;
    expect(replica.failure?.message).toMatch(/stopped|exited/);
    await expect(replica.next()).rejects.toThrow(/stopped|exited/);
  });
});
