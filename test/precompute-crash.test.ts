import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visualizationCacheKey } from '@convoy/core';
import { trainingResultSchema } from '@convoy/schemas';
import { startE2eStack, type E2eStack } from './support/e2e-stack.js';
import { waitUntil } from './support/processes.js';

/**
 * A worker killed (SIGKILL) while it precomputes a finished job's visualizations: the job is not
 * lost and does not fail. Another worker takes it over from the final checkpoint, trains no further
 * epoch, precomputes, and completes it with the history the first worker trained.
 */

describe('a crash during the precompute', () => {
  let stack: E2eStack;

  beforeAll(async () => {
    stack = await startE2eStack({ name: 'precompute-crash' });
  }, 60_000);
  afterAll(() => stack.stop());

  it('neither fails nor loses the job: another worker completes it without training more', async () => {
    // The stack's workers have a short lock: the stalled job is handed over in seconds.
    const workerEnv = { WORKER_PRECOMPUTE: 'all', WORKER_QUEUES: 'train' };
    const first = stack.startWorker(workerEnv);
    const { id } = (
      await stack.api.call<{ id: string }>('POST', '/v1/jobs', {
        type: 'train',
        params: { epochs: 2, seed: 5, dataset: { limit: 600 } },
      })
    ).body;
    const precomputing = await waitUntil(
      async () => {
        const view = await stack.view(id);
        if (view.state === 'completed' || view.state === 'failed')
          throw new Error(`the job ${view.state} before the precompute was seen`);
        return view.stage === 'precomputing-visualizations' ? view : undefined;
      },
      240_000,
      'the precompute stage',
    );
    first.child.kill('SIGKILL');
    await first.exited;
    expect(precomputing.history.map((record) => record.epoch)).toEqual([1, 2]);

    stack.startWorker(workerEnv);
    const done = await stack.finished(id, 240_000);
    expect(done.state, done.error?.message).toBe('completed');
    const result = trainingResultSchema.parse(done.result);
    // The same two epochs, not a third and not trained again.
    expect(result.history).toEqual(precomputing.history);
    expect(result.resumedFromEpoch).toBe(2);
    // The second worker precomputed before completing, the confusion matrix included.
    const stored = await readdir(join(stack.artifactsDir, id, 'visualizations'));
    expect(stored).toContain(
      visualizationCacheKey({ jobId: id, kind: 'confusion-matrix', weights: 'trained' }),
    );
  }, 600_000);
});
