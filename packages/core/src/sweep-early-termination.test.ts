import { describe, expect, it } from 'vitest';
import { decideTrialStop, isRung } from './sweep-early-termination.js';

const median = { type: 'median' as const, graceEpochs: 1, minTrials: 2 };
const asha = { type: 'asha' as const, minEpochs: 1, reductionFactor: 3 };

describe('median stopping', () => {
  const others = [
    [0.8, 0.6, 0.5],
    [0.9, 0.7, 0.6],
    [1.0, 0.8],
  ];

  it('stops a trial whose best is worse than the median of the others’ running averages', () => {
    const decision = decideTrialStop(median, 'minimize', [2.3], others);
    expect(decision.stop).toBe(true);
    expect(decision.reason).toMatch(/median stopping at epoch 1/);
  });

  it('lets a trial at or better than the median go on', () => {
    expect(decideTrialStop(median, 'minimize', [0.85], others).stop).toBe(false);
    expect(decideTrialStop(median, 'minimize', [0.9], others).stop).toBe(false);
  });

  it('waits for the grace epochs and for enough other trials at that epoch', () => {
    expect(decideTrialStop({ ...median, graceEpochs: 2 }, 'minimize', [2.3], others).stop).toBe(
      false,
    );
    // At epoch 3 only two others have run that far; three are required.
    expect(decideTrialStop({ ...median, minTrials: 3 }, 'minimize', [2, 2, 2], others).stop).toBe(
      false,
    );
    expect(decideTrialStop(median, 'minimize', [2, 2, 2], others).stop).toBe(true);
  });

  it('reads maximize goals the other way round, and counts a value that is not finite as the worst', () => {
    const accuracies = [
      [0.7, 0.8],
      [0.6, 0.75],
    ];
    expect(decideTrialStop(median, 'maximize', [0.1], accuracies).stop).toBe(true);
    expect(decideTrialStop(median, 'maximize', [0.9], accuracies).stop).toBe(false);
    expect(decideTrialStop(median, 'minimize', [Number.NaN], others).stop).toBe(true);
  });
});

describe('asynchronous successive halving', () => {
  it('places rungs at minEpochs · η^k', () => {
    expect([1, 2, 3, 4, 9, 10].filter((epoch) => isRung(epoch, asha))).toEqual([1, 3, 9]);
    expect(
      [2, 4, 8, 6].filter((epoch) => isRung(epoch, { minEpochs: 2, reductionFactor: 2 })),
    ).toEqual([2, 4, 8]);
  });

  it('keeps the top 1/η at a rung and stops the rest', () => {
    const others = [[0.5], [0.6], [0.7], [0.8], [0.9]];
    // Six values at rung 1: the best two go on.
    expect(decideTrialStop(asha, 'minimize', [0.55], others).stop).toBe(false);
    const stopped = decideTrialStop(asha, 'minimize', [0.65], others);
    expect(stopped.stop).toBe(true);
    expect(stopped.reason).toMatch(/top 2 of 6/);
  });

  it('decides only at rungs, and only once η values are recorded there', () => {
    expect(
      decideTrialStop(
        asha,
        'minimize',
        [9, 9],
        [
          [0.1, 0.1],
          [0.2, 0.2],
          [0.3, 0.3],
        ],
      ).stop,
    ).toBe(false);
    expect(decideTrialStop(asha, 'minimize', [9], [[0.1]]).stop).toBe(false);
  });
});
