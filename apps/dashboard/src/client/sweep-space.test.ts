import { describe, expect, it } from 'vitest';
import {
  dimensionOf,
  draftProblems,
  parseValueList,
  previewTrialCount,
  sweepBody,
  type DimensionDraft,
} from './sweep-space.js';

const limits = { maxTrials: 1000, defaultTrials: 10 };
const values = (path: string, list: string): DimensionDraft => ({
  path,
  kind: 'values',
  values: list,
  min: '',
  max: '',
});

describe('parseValueList', () => {
  it('reads numbers, booleans and text from a comma list', () => {
    expect(parseValueList('0.001, 3e-4 ,, 32')).toEqual([0.001, 0.0003, 32]);
    expect(parseValueList('cnn, cnn-avgpool')).toEqual(['cnn', 'cnn-avgpool']);
    expect(parseValueList('true,false, 1e')).toEqual([true, false, '1e']);
    expect(parseValueList('  ')).toEqual([]);
  });
});

describe('previewTrialCount', () => {
  it('multiplies a grid’s value counts', () => {
    const preview = previewTrialCount(
      'grid',
      [
        values('model.preset', 'cnn, cnn-avgpool'),
        values('optimizer.learningRate', '0.001, 0.0003'),
      ],
      '',
      limits,
    );
    expect(preview).toEqual({
      count: 4,
      text: '4 trials (2 × 2) · at most 1,000 per sweep',
      over: false,
    });
  });

  it('says when a grid is over the limit', () => {
    const many = Array.from({ length: 40 }, (_, index) => index).join(',');
    const preview = previewTrialCount('grid', [values('a', many), values('b', many)], '', limits);
    expect(preview.count).toBe(1600);
    expect(preview.over).toBe(true);
    expect(preview.text).toBe('1,600 trials (40 × 40): more than the 1,000 a sweep may hold');
  });

  it('counts a random search’s trials, 10 when left empty', () => {
    const range: DimensionDraft = {
      path: 'x',
      kind: 'log_uniform',
      values: '',
      min: '0.0001',
      max: '0.01',
    };
    expect(previewTrialCount('random', [range], '', limits).count).toBe(10);
    expect(previewTrialCount('random', [range], '100', limits).text).toBe(
      '100 trials (random draws) · at most 1,000 per sweep',
    );
    expect(previewTrialCount('random', [range], '2.5', limits).count).toBeUndefined();
    expect(previewTrialCount('grid', [], '', limits).text).toBe(
      'No dimension yet · at most 1,000 per sweep',
    );
  });
});

describe('the rows and the body', () => {
  it('finds rows without a path or values, a path twice, and ranges in a grid', () => {
    const range: DimensionDraft = { path: 'lr', kind: 'uniform', values: '', min: '0', max: '1' };
    expect(
      draftProblems(
        [values('', '1'), values('a', ''), values('b', '1'), values('b', '2'), range],
        'grid',
      ),
    ).toEqual([
      { index: 0, message: 'give the param path to vary' },
      { index: 1, message: 'give at least one value (a comma list)' },
      { index: 3, message: 'b is varied twice' },
      { index: 4, message: 'a grid takes a list of values; ranges are for random search' },
    ]);
    expect(draftProblems([range], 'random')).toEqual([]);
  });

  it('builds the POST /v1/jobs body of a sweep', () => {
    expect(
      dimensionOf({ path: 'lr', kind: 'int_uniform', values: '', min: '16', max: 'x' }),
    ).toEqual({
      distribution: 'int_uniform',
      min: 16,
      max: 'x',
    });
    const body = sweepBody({
      base: { epochs: 1 },
      method: 'random',
      dimensions: [values(' model.preset ', 'cnn')],
      trials: '20',
      seed: '7',
      metric: 'val_accuracy',
      goal: '',
      maxConcurrent: '',
      earlyTermination: { type: 'asha', minEpochs: 1, reductionFactor: 3 },
      name: ' lr search ',
      tags: 'a, , b',
    });
    expect(body).toEqual({
      type: 'sweep',
      params: {
        base: { epochs: 1 },
        method: 'random',
        parameters: { 'model.preset': ['cnn'] },
        metric: { name: 'val_accuracy' },
        earlyTermination: { type: 'asha', minEpochs: 1, reductionFactor: 3 },
        trials: 20,
        seed: 7,
      },
      name: 'lr search',
      tags: ['a', 'b'],
    });
    const grid = sweepBody({
      base: {},
      method: 'grid',
      dimensions: [values('a', '1, 2')],
      trials: '20',
      seed: '7',
      metric: 'val_loss',
      goal: 'maximize',
      maxConcurrent: '2',
      earlyTermination: false,
      name: '',
      tags: '',
    });
    expect(grid).toEqual({
      type: 'sweep',
      params: {
        base: {},
        method: 'grid',
        parameters: { a: [1, 2] },
        metric: { name: 'val_loss', goal: 'maximize' },
        earlyTermination: false,
        maxConcurrent: 2,
      },
    });
  });
});
