import { describe, expect, it } from 'vitest';
import { sweepParamsSchema, type SweepParamsInput } from '@convoy/schemas';
import { describeTrialProblem, parseParamPath, planSweep } from './sweep-plan.js';

const plan = (input: SweepParamsInput) => planSweep(sweepParamsSchema.parse(input));

function trialsOf(input: SweepParamsInput) {
  const planned = plan(input);
  if (!planned.ok) throw new Error(describeTrialProblem(planned.problem, planned.trials));
  return planned.trials;
}

describe('planSweep', () => {
  it('runs a grid in row-major order, the last dimension fastest, each trial parsed with defaults', () => {
    const trials = trialsOf({
      parameters: {
        'model.preset': ['cnn', 'cnn-avgpool'],
        'optimizer.learningRate': { values: [0.001, 0.0003] },
      },
    });
    expect(trials.map((trial) => trial.assignment)).toEqual([
      { 'model.preset': 'cnn', 'optimizer.learningRate': 0.001 },
      { 'model.preset': 'cnn', 'optimizer.learningRate': 0.0003 },
      { 'model.preset': 'cnn-avgpool', 'optimizer.learningRate': 0.001 },
      { 'model.preset': 'cnn-avgpool', 'optimizer.learningRate': 0.0003 },
    ]);
    expect(trials[2]?.params.model).toEqual({ preset: 'cnn-avgpool' });
    expect(trials[1]?.params.optimizer).toEqual({ name: 'adam', learningRate: 0.0003 });
    // The notebook's other defaults are filled in.
    expect(trials[0]?.params.epochs).toBe(10);
    expect(trials[0]?.params.batchSize).toBe(32);
  });

  it('draws random trials from the seed: the same seed gives the same trials, another seed others', () => {
    const space: SweepParamsInput = {
      method: 'random',
      trials: 50,
      parameters: {
        'optimizer.learningRate': { distribution: 'log_uniform', min: 0.0001, max: 0.1 },
        batchSize: { distribution: 'int_uniform', min: 16, max: 128 },
        'model.layers[6].rate': { distribution: 'uniform', min: 0.1, max: 0.6 },
        'model.preset': ['cnn'],
      },
    };
    const first = trialsOf({ ...space, seed: 1 });
    expect(first).toHaveLength(50);
    expect(trialsOf({ ...space, seed: 1 })).toEqual(first);
    const other = trialsOf({ ...space, seed: 2 }).map((trial) => trial.assignment);
    expect(other).not.toEqual(first.map((trial) => trial.assignment));
    for (const { assignment, params } of first) {
      const rate = assignment['optimizer.learningRate'] as number;
      expect(rate).toBeGreaterThanOrEqual(0.0001);
      expect(rate).toBeLessThanOrEqual(0.1);
      expect(Number.isInteger(assignment.batchSize)).toBe(true);
      expect(params.batchSize).toBe(assignment.batchSize);
      // The preset's layer list with its dropout rate replaced.
      expect('layers' in params.model && params.model.layers[6]).toMatchObject({
        type: 'dropout',
        rate: assignment['model.layers[6].rate'],
      });
    }
    // Log-uniform: about as many draws below 0.003 (the geometric middle) as above.
    const low = first.filter(
      (trial) => (trial.assignment['optimizer.learningRate'] as number) < 0.00316,
    );
    expect(low.length).toBeGreaterThan(12);
    expect(low.length).toBeLessThan(38);
  });

  it('varies a layer of each preset the trial chooses', () => {
    const trials = trialsOf({
      parameters: { 'model.preset': ['cnn', 'cnn-avgpool'], 'model.layers[0].filters': [8] },
    });
    const kinds = trials.map((trial) =>
      'layers' in trial.params.model
        ? trial.params.model.layers.map((layer) => layer.type)[1]
        : null,
    );
    expect(kinds).toEqual(['maxPooling2d', 'averagePooling2d']);
    expect(
      trials.every(
        (trial) =>
          'layers' in trial.params.model && trial.params.model.layers[0]?.type === 'conv2d',
      ),
    ).toBe(true);
  });

  it('names the first trial whose values make invalid params, and the dimension at fault', () => {
    const planned = plan({
      parameters: { 'model.layers[0].filters': [16, 5000], 'optimizer.learningRate': [0.001] },
    });
    expect(planned.ok).toBe(false);
    if (planned.ok) return;
    expect(planned.problem.trial).toBe(1);
    expect(planned.problem.path).toBe('params.parameters.model.layers[0].filters');
    const message = describeTrialProblem(planned.problem, planned.trials);
    expect(message).toMatch(
      /^trial 1 of 2 \(model\.layers\[0\]\.filters=5000, optimizer\.learningRate=0\.001\): model\.layers\.0\.filters: /,
    );
  });

  it('says when a path leads nowhere: past the end of a list, a field the params do not have, through a value', () => {
    const outOfRange = plan({ parameters: { 'model.layers[12].units': [10] } });
    expect(!outOfRange.ok && outOfRange.problem.message).toMatch(/model\.layers has 8 entries/);
    const unknown = plan({ parameters: { 'optimizer.momentum': [0.9] } });
    expect(!unknown.ok && unknown.problem.message).toMatch(/momentum/);
    const through = plan({ parameters: { 'epochs.value': [3] } });
    expect(!through.ok && through.problem.message).toMatch(/epochs is not an object/);
  });
});

describe('parseParamPath', () => {
  it('splits names and indices', () => {
    expect(parseParamPath('model.layers[1].filters')).toEqual(['model', 'layers', 1, 'filters']);
    expect(parseParamPath('batchSize')).toEqual(['batchSize']);
  });
});
