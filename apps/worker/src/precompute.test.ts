import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initializeBackend } from '@convoy/backend';
import {
  ARTIFACT_FILES,
  ARTIFACT_FOLDERS,
  artifactVersion,
  defaultVisualizations,
  modelJsonPath,
  visualizationCacheKey,
  visualizationManifestPath,
} from '@convoy/core';
import { buildModel, encodeModel } from '@convoy/model';
import {
  modelSpecSchema,
  summarizeModel,
  visualizationManifestSchema,
  type EpochRecord,
} from '@convoy/schemas';
import { applyUpload, LocalArtifactStore, type JobArtifacts } from '@convoy/storage';
import {
  CheckpointPrecompute,
  precomputeVisualizations,
  type PrecomputeContext,
} from './precompute.js';

const JOB = 'train_0000abcd5678';
const spec = modelSpecSchema.parse({
  layers: [
    { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' },
    { type: 'maxPooling2d', poolSize: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
});

const record = (epoch: number, val_loss: number): EpochRecord => ({
  epoch,
  loss: 1,
  accuracy: 0.5,
  val_loss,
  val_accuracy: 0.5,
  seconds: 1,
});

/** Saves a model of `seed`'s weights as the job's best model of `epoch` (model.json says so). */
async function saveBest(artifacts: JobArtifacts, epoch: number, seed: number): Promise<void> {
  const model = buildModel(spec, { seed });
  await applyUpload(
    artifacts,
    await encodeModel(model, ARTIFACT_FOLDERS.bestModel, {
      epoch,
      monitor: 'val_loss',
      value: 1 / epoch,
      saveBestOnly: true,
    }),
  );
  model.dispose();
}

async function manifestOf(artifacts: JobArtifacts, key: string) {
  const path = visualizationManifestPath(key);
  if ((await artifacts.stat(path)) === null) return undefined;
  return visualizationManifestSchema.parse(JSON.parse((await artifacts.read(path)).toString()));
}

describe('precomputed visualizations (worker)', () => {
  let root: string;
  let store: LocalArtifactStore;
  let context: PrecomputeContext;
  let artifacts: JobArtifacts;

  beforeAll(async () => {
    await initializeBackend('wasm');
    root = await mkdtemp(join(tmpdir(), 'convoy-precompute-'));
    store = new LocalArtifactStore(root);
    context = {
      store,
      logger: pino({ level: 'silent' }),
      dataDir: process.env.DATA_DIR ?? resolve('var/data'),
      officialDataDir: undefined,
      threads: 1,
      mode: 'cheap',
      ensureBackend: () => initializeBackend('wasm'),
    };
    artifacts = store.job(JOB);
    await artifacts.write(ARTIFACT_FILES.summary, JSON.stringify(summarizeModel(spec)));
    const initial = buildModel(spec, { seed: 1 });
    await applyUpload(artifacts, await encodeModel(initial, ARTIFACT_FOLDERS.initialModel));
    initial.dispose();
    await saveBest(artifacts, 1, 2);
  }, 60_000);

  afterAll(async () => {
    store.close();
    await rm(root, { recursive: true, force: true });
  });

  it("stores every default visualization under the dashboard's cache keys, once", async () => {
    const signal = new AbortController().signal;
    const requests = defaultVisualizations(JOB, summarizeModel(spec), { cheap: true });
    // One conv layer: filters and histogram, trained and untrained; maps and predictions.
    expect(requests).toHaveLength(6);
    const first = await precomputeVisualizations(context, JOB, {
      cheap: true,
      untrained: true,
      signal,
    });
    expect(first).toMatchObject({ computed: 6, stored: 0, failed: 0 });
    const modelVersion = artifactVersion((await artifacts.stat(modelJsonPath('trained')))!);
    for (const request of requests) {
      const manifest = await manifestOf(artifacts, visualizationCacheKey(request));
      expect(manifest?.kind).toBe(request.kind);
      if (request.weights === 'trained') expect(manifest?.modelVersion).toBe(modelVersion);
    }
    // Fresh results are found, not computed again.
    const again = await precomputeVisualizations(context, JOB, {
      cheap: true,
      untrained: true,
      signal,
    });
    expect(again).toMatchObject({ computed: 0, stored: 6, failed: 0 });
  }, 120_000);

  it('skips what fails and goes on; a stopped one ends early; never throws', async () => {
    const broken = 'train_0000abcd9999';
    const other = store.job(broken);
    // The summary names a conv layer the saved model lacks (index 3 is its dense layer).
    const summary = summarizeModel(spec);
    const layers = summary.layers.map((layer, index) =>
      index === 3 ? { ...layer, className: 'Conv2D' } : layer,
    );
    await other.write(ARTIFACT_FILES.summary, JSON.stringify({ ...summary, layers }));
    await saveBest(other, 1, 3);
    const outcome = await precomputeVisualizations(context, broken, {
      cheap: true,
      untrained: false,
      signal: new AbortController().signal,
    });
    // Filters of layer 3 (a dense layer) fail; its histogram, layer 0's and the test image's don't.
    expect(outcome).toMatchObject({ computed: 5, failed: 1 });
    const stopped = await precomputeVisualizations(context, broken, {
      cheap: true,
      untrained: false,
      signal: AbortSignal.abort(),
    });
    expect(stopped).toMatchObject({ computed: 0, stored: 0, failed: 0 });
    // A job without a summary: nothing to do, and no error.
    const none = await precomputeVisualizations(context, 'train_0000abcd0000', {
      cheap: true,
      untrained: true,
      signal: new AbortController().signal,
    });
    expect(none).toMatchObject({ computed: 0, failed: 0 });
  }, 120_000);

  it('on a new checkpoint, waits for its model to land, then computes from it', async () => {
    const checkpoints = new CheckpointPrecompute(context, JOB, {
      monitor: 'val_loss',
      saveBestOnly: true,
    });
    const filters = visualizationCacheKey({ jobId: JOB, kind: 'filters', layer: 0 });
    const before = await manifestOf(artifacts, filters);
    // Epoch 2 improved val_loss, but its model has not landed yet (model.json says epoch 1).
    checkpoints.onEpoch([record(1, 0.5), record(2, 0.4)]);
    await sleep(1_000);
    expect((await manifestOf(artifacts, filters))?.createdAt).toBe(before?.createdAt);
    await saveBest(artifacts, 2, 4);
    const modelVersion = artifactVersion((await artifacts.stat(modelJsonPath('trained')))!);
    for (let waited = 0; waited < 60_000; waited += 100) {
      if ((await manifestOf(artifacts, filters))?.modelVersion === modelVersion) break;
      await sleep(100);
    }
    expect((await manifestOf(artifacts, filters))?.modelVersion).toBe(modelVersion);
    await checkpoints.stop();
  }, 120_000);
});
