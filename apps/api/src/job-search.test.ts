import { describe, expect, it } from 'vitest';
import type { JobView } from '@convoy/schemas';
import { matchesQuery, modelOf, sortJobs } from './job-search.js';

function view(overrides: Partial<JobView> & { id: string }): JobView {
  return {
    type: 'train',
    state: 'completed',
    progress: null,
    params: { model: { preset: 'cnn' }, epochs: 2 },
    history: [],
    result: null,
    error: null,
    backend: null,
    device: null,
    attempts: 1,
    cancelRequested: false,
    createdAt: '2026-01-01T00:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    name: null,
    tags: [],
    notes: null,
    links: { self: '', events: '', artifacts: '' },
    ...overrides,
  };
}

const epoch = (value: number) => ({
  epoch: 1,
  loss: 1,
  accuracy: 0.5,
  val_accuracy: value,
  seconds: 1,
});

describe('sortJobs', () => {
  const a = view({
    id: 'train_aaaaaaaa',
    name: 'b',
    history: [epoch(0.8)],
    createdAt: '2026-01-01T00:00:01.000Z',
  });
  const b = view({
    id: 'train_bbbbbbbb',
    name: 'A',
    history: [epoch(0.9)],
    createdAt: '2026-01-01T00:00:02.000Z',
  });
  const c = view({ id: 'train_cccccccc', createdAt: '2026-01-01T00:00:03.000Z' });

  it('orders by a column either way, case-insensitively, with missing values last both times', () => {
    const ids = (field: Parameters<typeof sortJobs>[1], order: 'asc' | 'desc') =>
      sortJobs([a, b, c], field, order, 0).map((job) => job.id);
    expect(ids('name', 'asc')).toEqual([b.id, a.id, c.id]);
    expect(ids('name', 'desc')).toEqual([a.id, b.id, c.id]);
    expect(ids('bestAccuracy', 'desc')).toEqual([b.id, a.id, c.id]);
    expect(ids('bestAccuracy', 'asc')).toEqual([a.id, b.id, c.id]);
    // Equal values: newest first.
    expect(ids('state', 'asc')).toEqual([c.id, b.id, a.id]);
  });
});

describe('matchesQuery', () => {
  const tagged = view({ id: 'train_dddddddd', name: 'Sweep 1', tags: ['LR'] });
  const visualization = view({
    id: 'visualize_eeeeeeee',
    type: 'visualize',
    params: { jobId: 'train_dddddddd', kind: 'filters' },
  });
  const base = { limit: 20 } as const;

  it('finds by name, id or tag text, filters by tag, model and state', () => {
    expect(matchesQuery(tagged, { ...base, q: 'sweep' })).toBe(true);
    expect(matchesQuery(tagged, { ...base, q: 'dddd' })).toBe(true);
    expect(matchesQuery(tagged, { ...base, q: 'lr' })).toBe(true);
    expect(matchesQuery(tagged, { ...base, q: 'nothing' })).toBe(false);
    expect(matchesQuery(tagged, { ...base, tag: 'lr' })).toBe(true);
    expect(matchesQuery(tagged, { ...base, tag: 'l' })).toBe(false);
    expect(matchesQuery(tagged, { ...base, model: 'cnn' })).toBe(true);
    expect(matchesQuery(tagged, { ...base, model: 'custom' })).toBe(false);
    expect(matchesQuery(tagged, { ...base, state: 'failed' })).toBe(false);
    // A visualization job by its run's id; it has no model.
    expect(matchesQuery(visualization, { ...base, q: 'train_dddd' })).toBe(true);
    expect(modelOf(visualization)).toBeUndefined();
    expect(modelOf(view({ id: 'train_ffffffff', params: { model: { layers: [] } } }))).toBe(
      'custom',
    );
  });
});
