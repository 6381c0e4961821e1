import { describe, expect, it } from 'vitest';
import {
  axisOf,
  formatTick,
  parallelCoordinatesSvg,
  shadesByRank,
  spreadTicks,
  viridis,
} from './sweep-chart.js';
import type { LeaderboardEntry } from './sweep-data.js';

describe('axisOf', () => {
  it('puts values spanning more than 20× on a log axis', () => {
    const axis = axisOf('optimizer.learningRate', [0.0001, 0.001, 0.01, 0.0002]);
    expect(axis.scale).toBe('log');
    expect(axis.label).toBe('optimizer.learningRate (log)');
    expect(axis.position(0.0001)).toBe(0);
    expect(axis.position(0.001)).toBeCloseTo(0.5);
    expect(axis.position(0.01)).toBe(1);
    expect(axis.ticks.map((tick) => tick.label)).toEqual(['0.0001', '0.0002', '0.001', '0.01']);
    // Many values: the ends and the powers of ten between them.
    const many = axisOf('lr', [0.00013, 0.0004, 0.0009, 0.002, 0.003, 0.005, 0.0081]);
    expect(many.ticks.map((tick) => tick.label)).toEqual(['0.00013', '0.001', '0.0081']);
  });

  it('keeps a narrower span linear, with ticks between its ends', () => {
    const axis = axisOf('batchSize', [32, 40, 50, 64, 70, 100, 128, null]);
    expect(axis.scale).toBe('linear');
    expect(axis.position(32)).toBe(0);
    expect(axis.position(80)).toBeCloseTo(0.5);
    expect(axis.ticks.map((tick) => tick.label)).toEqual(['32', '56', '80', '104', '128']);
    expect(axis.position(null)).toBeUndefined();
    expect(axisOf('batchSize', [64, 32, 128]).ticks.map((tick) => tick.label)).toEqual([
      '32',
      '64',
      '128',
    ]);
  });

  it('spaces text and booleans evenly as categories, in their order', () => {
    const axis = axisOf('model.preset', ['cnn-avgpool', 'cnn', 'cnn']);
    expect(axis.scale).toBe('category');
    expect(axis.ticks).toEqual([
      { position: 0, label: 'cnn' },
      { position: 1, label: 'cnn-avgpool' },
    ]);
    expect(axisOf('x', [true]).position(true)).toBe(0.5);
    expect(axis.position('other')).toBeUndefined();
  });

  it('leaves out a tick that would print over its neighbour, never the ends', () => {
    const at = (...positions: number[]) => positions.map((position) => ({ position }));
    expect(spreadTicks(at(0, 0.03, 0.5, 0.52, 0.98, 1))).toEqual(at(0, 0.5, 1));
    expect(spreadTicks(at(0, 1))).toEqual(at(0, 1));
    const axis = axisOf('val_loss', [0.96, 0.99, 1.93, 1.98, 2.26, 15.8]);
    expect(axis.ticks.map((tick) => tick.label)).toEqual(['0.96', '1.93', '15.8']);
  });

  it('puts a single value in the middle', () => {
    expect(axisOf('epochs', [5, 5]).position(5)).toBe(0.5);
  });
});

describe('colours', () => {
  it('runs viridis from dark blue to yellow, the best value yellow either way', () => {
    expect(viridis(0)).toBe('#440154');
    expect(viridis(1)).toBe('#fde725');
    // By place in the order, not by distance: an outlier leaves the others their spread.
    expect(shadesByRank([0.3, 0.35, 0.4, 15], 'minimize')).toEqual(
      new Map([
        [15, 0],
        [0.4, 1 / 3],
        [0.35, 2 / 3],
        [0.3, 1],
      ]),
    );
    expect(shadesByRank([0.8, 0.9, 0.8], 'maximize')).toEqual(
      new Map([
        [0.8, 0],
        [0.9, 1],
      ]),
    );
    expect(shadesByRank([0.5], 'minimize').get(0.5)).toBe(1);
    expect(formatTick(0.000312345)).toBe('0.000312');
  });
});

function entry(
  trial: number,
  value: number | null,
  assignment: LeaderboardEntry['assignment'],
): LeaderboardEntry {
  return {
    rank: null,
    trial,
    id: `train_${trial}`,
    state: value === null ? 'waiting' : 'completed',
    assignment,
    value,
    bestEpoch: value === null ? null : 1,
    epochsRun: value === null ? 0 : 1,
    epochs: 1,
    seconds: 1,
    latest: null,
  };
}

describe('parallelCoordinatesSvg', () => {
  const entries = [
    { ...entry(0, 0.5, { 'model.preset': 'cnn', 'optimizer.learningRate': 0.001 }), rank: 2 },
    {
      ...entry(1, 0.3, { 'model.preset': 'cnn-avgpool', 'optimizer.learningRate': 0.0003 }),
      rank: 1,
    },
    entry(2, null, { 'model.preset': 'cnn', 'optimizer.learningRate': 0.1 }),
  ];
  const svg = parallelCoordinatesSvg({
    entries,
    paths: ['model.preset', 'optimizer.learningRate'],
    metric: { name: 'val_loss', goal: 'minimize' },
  });

  it('draws one axis per swept param and one for the metric, log where the values span >20×', () => {
    expect(svg.match(/<g class="axis"/g)).toHaveLength(3);
    expect(svg).toContain('data-axis="optimizer.learningRate (log)" data-scale="log"');
    expect(svg).toContain('data-axis="model.preset" data-scale="category"');
    expect(svg).toContain('data-axis="val_loss" data-scale="linear"');
  });

  it('draws one line per trial, the best last and yellow, one without a value grey', () => {
    const lines = [
      ...svg.matchAll(
        /<polyline class="([^"]*)" data-trial="(\d+)" points="([^"]*)" stroke="([^"]*)"/g,
      ),
    ];
    expect(lines.map((line) => line[2])).toEqual(['2', '0', '1']);
    const [unvalued, worst, best] = lines;
    expect(unvalued?.[1]).toBe('trial-line no-value');
    expect(unvalued?.[4]).toBe('#a0a8b4');
    expect(unvalued?.[3]?.split(' ')).toHaveLength(2); // no point on the metric's axis
    expect(best?.[1]).toBe('trial-line best');
    expect(best?.[4]).toBe(viridis(1));
    expect(worst?.[4]).toBe(viridis(0));
    expect(best?.[3]?.split(' ')).toHaveLength(3);
  });

  it('says what it shows and escapes what it prints', () => {
    expect(svg).toMatch(/^<svg [^>]*role="img" aria-label="Parallel coordinates of 3 trials/);
    const odd = parallelCoordinatesSvg({
      entries: [entry(0, 1, { tag: '<b>&' })],
      paths: ['tag'],
      metric: { name: 'accuracy', goal: 'maximize' },
    });
    expect(odd).toContain('&lt;b&gt;&amp;');
    expect(odd).not.toContain('<b>');
  });
});
