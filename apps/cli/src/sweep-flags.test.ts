import { describe, expect, it } from 'vitest';
import { sweepParamsSchema, trainingParamsSchema } from '@convoy/schemas';
import {
  parseGridSpec,
  parseRandomSpec,
  parseSweepValue,
  sweepParamsFromFlags,
  SweepUsageError,
  type SweepFlags,
} from './sweep-flags.js';

const base = trainingParamsSchema.parse({ epochs: 3, dataset: { limit: 12000 } });
const flags = (extra: Partial<SweepFlags>): SweepFlags => ({ grid: [], random: [], ...extra });

describe('sweep values and specs', () => {
  it.each([
    ['0.001', 0.001],
    ['1e-3', 0.001],
    ['-2', -2],
    ['.5', 0.5],
    ['64', 64],
    ['true', true],
    ['false', false],
    ['cnn-avgpool', 'cnn-avgpool'],
    ['1e', '1e'],
    ['0x10', '0x10'],
    [' relu ', 'relu'],
  ])('parses %j as %j', (text, value) => {
    expect(parseSweepValue(text)).toBe(value);
  });

  it('reads a grid dimension: PATH=V1,V2,…', () => {
    expect(parseGridSpec('model.preset=cnn,cnn-avgpool')).toEqual([
      'model.preset',
      { values: ['cnn', 'cnn-avgpool'] },
    ]);
    expect(parseGridSpec('model.layers[6].rate=0.2,0.4,0.6')).toEqual([
      'model.layers[6].rate',
      { values: [0.2, 0.4, 0.6] },
    ]);
    expect(parseGridSpec('earlyStopping.restoreBestWeights=true,false')).toEqual([
      'earlyStopping.restoreBestWeights',
      { values: [true, false] },
    ]);
  });

  it('reads a random dimension: a choice or a distribution', () => {
    expect(parseRandomSpec('batchSize=32,64,128')).toEqual([
      'batchSize',
      { values: [32, 64, 128] },
    ]);
    expect(parseRandomSpec('optimizer.learningRate=log_uniform:0.0001:0.01')).toEqual([
      'optimizer.learningRate',
      { distribution: 'log_uniform', min: 0.0001, max: 0.01 },
    ]);
    expect(parseRandomSpec('model.layers[6].rate=uniform:0.1:0.5')).toEqual([
      'model.layers[6].rate',
      { distribution: 'uniform', min: 0.1, max: 0.5 },
    ]);
    expect(parseRandomSpec('batchSize=int_uniform:16:128')).toEqual([
      'batchSize',
      { distribution: 'int_uniform', min: 16, max: 128 },
    ]);
  });

  it.each([
    [() => parseGridSpec('model.preset'), /--grid "model.preset": expected PATH=V1,V2/],
    [() => parseGridSpec('=1,2'), /the param path is missing/],
    [() => parseGridSpec('epochs='), /give the values after "="/],
    [() => parseGridSpec('epochs=1,,2'), /an empty value in "1,,2"/],
    [() => parseGridSpec('model..preset=cnn'), /a param path is dotted names and \[index\] steps/],
    [() => parseRandomSpec('batchSize=int_uniform:16'), /expected int_uniform:MIN:MAX/],
    [() => parseRandomSpec('batchSize=uniform'), /expected uniform:MIN:MAX/],
    [() => parseRandomSpec('x=log_uniform:a:b'), /expected log_uniform:MIN:MAX with two numbers/],
    [() => parseRandomSpec('x=uniform:1:2:3'), /expected uniform:MIN:MAX/],
  ])('refuses a malformed spec (%#)', (parse, message) => {
    expect(parse).toThrow(SweepUsageError);
    expect(parse).toThrow(message);
  });
});

describe('sweepParamsFromFlags', () => {
  it('makes a grid sweep the API schema takes, defaults left to it', () => {
    const params = sweepParamsFromFlags(
      flags({
        grid: ['model.preset=cnn,cnn-avgpool', 'optimizer.learningRate=0.001,0.0003'],
        maxConcurrent: 2,
      }),
      base,
    );
    expect(params).toMatchObject({
      base: { epochs: 3, dataset: { limit: 12000 } },
      method: 'grid',
      parameters: {
        'model.preset': { values: ['cnn', 'cnn-avgpool'] },
        'optimizer.learningRate': { values: [0.001, 0.0003] },
      },
      maxConcurrent: 2,
      earlyTermination: false,
    });
    expect(params).not.toHaveProperty('trials');
    expect(params).not.toHaveProperty('seed');
    const parsed = sweepParamsSchema.parse(params);
    expect(parsed.metric).toEqual({ name: 'val_loss', goal: 'minimize' });
  });

  it('makes a random sweep with its trials, seed, metric and early-termination rule', () => {
    const params = sweepParamsFromFlags(
      flags({
        random: ['optimizer.learningRate=log_uniform:0.0001:0.01', 'batchSize=32,64'],
        trials: 6,
        seed: 7,
        metric: 'val_accuracy',
        earlyTermination: 'asha',
        reductionFactor: 2,
      }),
      base,
    );
    expect(sweepParamsSchema.parse(params)).toMatchObject({
      method: 'random',
      trials: 6,
      seed: 7,
      metric: { name: 'val_accuracy', goal: 'maximize' },
      earlyTermination: { type: 'asha', minEpochs: 1, reductionFactor: 2 },
    });
    const median = sweepParamsFromFlags(
      flags({ grid: ['epochs=1,2'], earlyTermination: 'median', graceEpochs: 2, goal: 'maximize' }),
      base,
    );
    expect(sweepParamsSchema.parse(median)).toMatchObject({
      metric: { name: 'val_loss', goal: 'maximize' },
      earlyTermination: { type: 'median', graceEpochs: 2, minTrials: 3 },
    });
  });

  it.each<[Partial<SweepFlags>, RegExp]>([
    [
      { grid: ['epochs=1,2'], random: ['batchSize=32,64'] },
      /use either --grid \(every combination\) or --random \(sampled trials\), not both/,
    ],
    [{}, /give the search space: --grid PATH=V1,V2,… \(repeatable\) or --random/],
    [{ grid: ['epochs=1,2'], trials: 4 }, /--trials is for --random/],
    [{ grid: ['epochs=1,2'], seed: 4 }, /--seed seeds the sampler of --random/],
    [{ grid: ['epochs=1,2', 'epochs=3'] }, /--grid: epochs is given twice/],
    [{ grid: ['epochs=1,2'], minEpochs: 2 }, /--min-epochs goes with --early-termination asha/],
    [
      { grid: ['epochs=1,2'], earlyTermination: 'asha', graceEpochs: 2 },
      /--grace-epochs goes with --early-termination median/,
    ],
    [
      { grid: ['epochs=1,2'], earlyTermination: 'asha', reductionFactor: 1 },
      /--reduction-factor: .*>=\s?2/,
    ],
    [{ random: ['epochs=1,2'], trials: 0 }, /--trials: .*>=\s?1/],
    [{ random: ['batchSize=uniform:64:16'] }, /--random batchSize: max must be at least min/],
    [
      {
        grid: ['optimizer.learningRate=0.1,0.01', 'batchSize=1,2,3,4,5,6,7,8,9,10,11,12'],
        maxConcurrent: 0,
      },
      /--max-concurrent: /,
    ],
    [
      {
        grid: Array.from(
          { length: 4 },
          (_, index) => `model.layers[${index}].name=${'abcdefghijk'.split('').join(',')}`,
        ),
      },
      /--grid: the grid has 11 × 11 × 11 × 11 = 14,641 trials; at most 1000 per sweep/,
    ],
  ])('refuses %j with a message naming the flag', (given, message) => {
    const build = () => sweepParamsFromFlags(flags(given), base);
    expect(build).toThrow(SweepUsageError);
    expect(build).toThrow(message);
  });
});
