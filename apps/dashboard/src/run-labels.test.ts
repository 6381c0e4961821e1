import { describe, expect, it } from 'vitest';
import { trainingParamsSchema, type JobView } from '@convoy/schemas';
import { binOver } from './image-routes.js';
import { flattenParams, parameterDifferences, runLabel } from './run-labels.js';

const run = (id: string, params: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  ({
    id,
    type: 'train',
    params: trainingParamsSchema.parse(params),
    ...extra,
  }) as unknown as JobView;

describe('run labels and parameter differences', () => {
  const a = run('train_aaaaaaaa1111', { seed: 1 });
  const b = run('train_bbbbbbbb2222', {
    seed: 1,
    optimizer: { learningRate: 0.01 },
    model: { preset: 'cnn-avgpool' },
  });
  const c = run('train_cccccccc3333', { earlyStopping: false, dataset: { limit: 600 } });

  it('labels a run by its name, else by model, learning rate and the end of its id', () => {
    expect(runLabel(a)).toBe('cnn · lr 0.001 · …1111');
    expect(runLabel(b)).toBe('cnn-avgpool · lr 0.01 · …2222');
    expect(runLabel(run('train_dddddddd4444', {}, { name: '  baseline ' }))).toBe('baseline');
  });

  it('flattens params into dotted keys, the model as one value', () => {
    const flat = flattenParams(
      trainingParamsSchema.parse({
        model: {
          layers: [{ type: 'flatten' }, { type: 'dense', units: 10, activation: 'softmax' }],
        },
      }),
    );
    expect(flat.get('optimizer.learningRate')).toBe('0.001');
    expect(flat.get('earlyStopping.patience')).toBe('2');
    expect(flat.get('model')).toMatch(/^\[\{"type":"flatten"/);
    expect(flattenParams(undefined).size).toBe(0);
  });

  it('keeps only the parameters that differ, with every run’s value', () => {
    expect(parameterDifferences([a, b])).toEqual([
      { key: 'model', values: ['preset cnn', 'preset cnn-avgpool'] },
      { key: 'optimizer.learningRate', values: ['0.001', '0.01'] },
    ]);
    expect(parameterDifferences([a, a])).toEqual([]);
    // A key only one run has (early stopping off vs its fields) differs, shown as —.
    const differences = parameterDifferences([a, c]);
    expect(differences.find((row) => row.key === 'earlyStopping.patience')?.values).toEqual([
      '2',
      '—',
    ]);
    expect(differences.find((row) => row.key === 'earlyStopping')?.values).toEqual(['—', 'false']);
    expect(differences.find((row) => row.key === 'dataset.limit')?.values).toEqual(['—', '600']);
    expect(differences.find((row) => row.key === 'seed')?.values).toEqual(['1', '42']);
  });
});

describe('binOver', () => {
  it('counts values in equal bins over a given range, the last bin holding its right edge', () => {
    expect(binOver(Float32Array.from([0, 0.1, 0.5, 0.99, 1]), 0, 1, 2)).toEqual([2, 3]);
    expect(binOver(Float32Array.from([2, 2]), 2, 2, 3)).toEqual([2, 0, 0]);
  });
});
