import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainingResultSchema } from '@convoy/schemas';
import { startE2eStack, type E2eStack } from './support/e2e-stack.js';
import { waitUntil } from './support/processes.js';

/**
 * Resume (issue #12, run management) with real processes: the API and a worker training on
 * wasm. A run cancelled mid-epoch 2 is resumed through POST /v1/jobs/:id/resume; the worker picks
 * it up under the same id from the checkpoint the cancel left, and the run completes every epoch.
 */
describe('resume a cancelled run with a real worker', () => {
  let stack: E2eStack;
  const call = (method: string, path: string, json?: unknown) =>
    stack.api.call<unknown>(method, path, json);
  const view = (id: string) => stack.view(id);

  beforeAll(async () => {
    stack = await startE2eStack({ name: 'runs-resume' });
    stack.startWorker({ WORKER_QUEUES: 'train' });
  }, 60_000);
  afterAll(() => stack.stop());

  it('continues from the cancel’s checkpoint under the same id and completes', async () => {
    const created = await call('POST', '/v1/jobs', {
      type: 'train',
      name: 'resumable',
      params: { epochs: 2, batchSize: 32, dataset: { limit: 1000 } },
    });
    expect(created.status).toBe(202);
    const { id } = created.body as { id: string };
    await waitUntil(
      async () => {
        const current = await view(id);
        return current.progress?.epoch === 2 && current.progress.batch > 2 ? current : undefined;
      },
      180_000,
      'the run to be inside epoch 2',
    );
    expect((await call('DELETE', `/v1/jobs/${id}`)).status).toBe(202);
    await waitUntil(
      async () => ((await view(id)).state === 'cancelled' ? true : undefined),
      60_000,
      'the cancel',
    );
    expect(existsSync(join(stack.artifactsDir, id, 'checkpoint/state.json'))).toBe(true);

    const resumed = await call('POST', `/v1/jobs/${id}/resume`);
    expect(resumed.status).toBe(202);
    expect(resumed.body).toMatchObject({ id, state: 'waiting' });
    const done = await waitUntil(
      async () => {
        const current = await view(id);
        return current.state === 'completed' || current.state === 'failed' ? current : undefined;
      },
      180_000,
      'the resumed run to finish',
    );
    expect(done.state).toBe('completed');
    expect(done.name).toBe('resumable');
    expect(done.resumedAt).toBeDefined();
    const result = trainingResultSchema.parse(done.result);
    expect(result.history.map((record) => record.epoch)).toEqual([1, 2]);
    // Picked up from the checkpoint: epoch 1 was not trained again.
    expect(result.resumedFromEpoch).toBeGreaterThanOrEqual(1);
  }, 300_000);
});
