import { describe, expect, it } from 'vitest';
import { sweepParamsSchema, type JobView, type SweepSummary } from '@convoy/schemas';
import { renderJobRows } from './pages/job-list-page.js';
import { renderSweepPage, sweepWallTime } from './pages/sweep-page.js';
import {
  describeEarlyTermination,
  describeSweepBest,
  describeSweepKind,
  describeSweepModel,
  describeSweepProgress,
  sweepParamsOf,
  sweptPaths,
} from './sweep-format.js';

const params = sweepParamsSchema.parse({
  base: { epochs: 1, dataset: { limit: 300 } },
  parameters: { 'model.preset': ['cnn', 'cnn-avgpool'], 'optimizer.learningRate': [0.001, 0.0003] },
  earlyTermination: { type: 'median' },
});

const summary: SweepSummary = {
  trials: { total: 4, waiting: 1, active: 1, completed: 1, pruned: 1, failed: 0, cancelled: 0 },
  percent: 62.5,
  metric: { name: 'val_loss', goal: 'minimize' },
  startedAt: '2026-12-05T10:00:00.000Z',
  leaderboard: [],
  best: {
    rank: 1,
    trial: 2,
    id: 'train_mx9w62iu67162ff5',
    state: 'completed',
    assignment: { 'model.preset': 'cnn-avgpool', 'optimizer.learningRate': 0.001 },
    value: 0.31234,
    bestEpoch: 1,
    epochsRun: 1,
    epochs: 1,
    seconds: 3,
    latest: null,
  },
  earlyTermination: null,
};

function view(fields: Partial<JobView>): JobView {
  return {
    id: 'sweep_mx9w62iu8cb47f68',
    type: 'sweep',
    state: 'active',
    progress: null,
    params,
    history: [],
    result: null,
    error: null,
    backend: null,
    device: null,
    attempts: 0,
    cancelRequested: false,
    createdAt: '2026-12-05T04:07:33.702Z',
    startedAt: null,
    finishedAt: null,
    name: 'lr test',
    tags: [],
    links: { self: '', events: '', artifacts: '' },
    ...fields,
  };
}

describe('sweep formatting', () => {
  it('reads a sweep’s params as the API filled them in, and its swept paths in order', () => {
    const sweep = view({ sweep: summary });
    expect(sweepParamsOf(sweep)?.metric).toEqual({ name: 'val_loss', goal: 'minimize' });
    expect(sweptPaths(sweep)).toEqual(['model.preset', 'optimizer.learningRate']);
    expect(sweepParamsOf({ type: 'train', params: {} })).toBeUndefined();
  });

  it('describes the rule, the kind, the progress and the best value', () => {
    expect(describeEarlyTermination(false)).toBe('off');
    expect(describeEarlyTermination({ type: 'asha', minEpochs: 1, reductionFactor: 3 })).toBe(
      'ASHA (rungs from epoch 1, reduction factor 3)',
    );
    const sweep = view({ sweep: summary });
    expect(describeSweepKind(sweep)).toBe('grid · 4 trials');
    expect(describeSweepProgress(sweep)).toBe('2/4 trials finished · 1 running');
    expect(describeSweepBest(sweep)).toBe('val_loss 0.3123');
    expect(describeSweepBest(view({}))).toBeUndefined();
    expect(describeSweepModel(sweep)).toBe('cnn, cnn-avgpool');
    const layers = sweepParamsSchema.parse({
      base: { model: { preset: 'cnn-avgpool' } },
      parameters: { 'model.layers[6].rate': [0.2, 0.4] },
    });
    expect(describeSweepModel(view({ params: layers }))).toBe('cnn-avgpool, layers varied');
  });

  it('times a sweep from its creation: the result’s seconds, or to now while it runs', () => {
    const createdAt = '2026-12-05T04:00:00.000Z';
    const now = Date.parse('2026-12-05T04:01:30.000Z');
    expect(sweepWallTime(view({ createdAt }), now)).toBe(90_000);
    expect(
      sweepWallTime(
        view({
          createdAt,
          state: 'completed',
          finishedAt: '2026-12-05T04:00:50.000Z',
          result: { seconds: 42.5 },
        }),
        now,
      ),
    ).toBe(42_500);
    expect(
      sweepWallTime(
        view({ createdAt, state: 'cancelled', finishedAt: '2026-12-05T04:00:20.000Z' }),
        now,
      ),
    ).toBe(20_000);
    expect(sweepWallTime(view({ createdAt, state: 'cancelled' }), now)).toBeUndefined();
  });
});

describe('sweeps in the job list and on their page', () => {
  it('shows a sweep with its trial counts and a trial with its sweep', () => {
    const trial = view({
      id: 'train_mx9w62iu67162ff5',
      type: 'train',
      params: { model: { preset: 'cnn' }, epochs: 1 },
      name: 'lr test #2',
      trialOf: { id: 'sweep_mx9w62iu8cb47f68', trial: 2 },
    });
    const rows = renderJobRows([view({ sweep: summary }), trial], Date.now()).value;
    expect(rows).toContain('sweep · grid · 4 trials');
    expect(rows).toContain('2/4 trials finished · 1 running');
    expect(rows).toContain('value="62.5"');
    expect(rows).toContain('val_loss 0.3123');
    expect(rows).toMatch(/trial #2 of\s*<a href="\/jobs\/sweep_mx9w62iu8cb47f68"/);
  });

  it('renders the page frame: the leaderboard’s headings, one per swept param, and the facts', () => {
    const page = renderSweepPage(view({ sweep: summary }));
    const headings = [...page.matchAll(/<th[^>]*data-column="([^"]+)"/g)].map((match) => match[1]);
    expect(headings).toEqual([
      'rank',
      'trial',
      'param:model.preset',
      'param:optimizer.learningRate',
      'value',
      'bestEpoch',
      'epochsRun',
      'seconds',
      'state',
    ]);
    expect(page).toContain('aria-sort="ascending"');
    expect(page).toContain('<code>model.preset</code>: cnn, cnn-avgpool');
    expect(page).toContain('median stopping (after 1 epoch, once 3 trials reached it)');
    expect(page).toContain('src="/static/sweep.js"');
  });
});
