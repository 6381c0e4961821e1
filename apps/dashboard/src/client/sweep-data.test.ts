import { describe, expect, it } from 'vitest';
import {
  compareUrl,
  describeComputeSaved,
  describeCounts,
  describeLatest,
  leaderboardRowsHtml,
  nextSort,
  sortEntries,
  sweepWallSeconds,
  topTrialIds,
  trialChipsHtml,
  type LeaderboardEntry,
} from './sweep-data.js';

function entry(trial: number, fields: Partial<LeaderboardEntry> = {}): LeaderboardEntry {
  return {
    rank: null,
    trial,
    id: `train_${trial}`,
    state: 'waiting',
    assignment: {},
    value: null,
    bestEpoch: null,
    epochsRun: 0,
    epochs: 2,
    seconds: 0,
    latest: null,
    ...fields,
  };
}

const board = [
  entry(0, {
    rank: 2,
    value: 0.4,
    state: 'completed',
    assignment: { 'model.preset': 'cnn', lr: 0.001 },
    seconds: 30,
  }),
  entry(1, { rank: null, state: 'waiting', assignment: { 'model.preset': 'cnn', lr: 0.0003 } }),
  entry(2, {
    rank: 1,
    value: 0.3,
    state: 'completed',
    assignment: { 'model.preset': 'cnn-avgpool', lr: 0.001 },
    seconds: 10,
  }),
  entry(3, {
    rank: 3,
    value: 0.5,
    state: 'pruned',
    assignment: { 'model.preset': 'cnn-avgpool', lr: 0.0003 },
    seconds: 20,
  }),
];
const trials = (entries: LeaderboardEntry[]) => entries.map((item) => item.trial);

describe('sweepWallSeconds', () => {
  const createdAt = '2026-12-05T10:00:00.000Z';
  const now = Date.parse('2026-12-05T10:01:30.000Z');

  it("is the result's seconds once completed, else creation to finish, or to now while it runs", () => {
    expect(
      sweepWallSeconds(
        { createdAt, finishedAt: null, state: 'completed', result: { seconds: 42.5 } },
        now,
      ),
    ).toBe(42.5);
    expect(sweepWallSeconds({ createdAt, finishedAt: null, state: 'active' }, now)).toBe(90);
    expect(
      sweepWallSeconds(
        { createdAt, finishedAt: '2026-12-05T10:00:20.000Z', state: 'cancelled' },
        now,
      ),
    ).toBe(20);
    expect(sweepWallSeconds({ createdAt, finishedAt: null, state: 'cancelled' }, now)).toBeNull();
  });
});

describe('sortEntries', () => {
  it('sorts by rank with unranked trials last, either way', () => {
    expect(trials(sortEntries(board, { key: 'rank', direction: 'ascending' }))).toEqual([
      2, 0, 3, 1,
    ]);
    expect(trials(sortEntries(board, { key: 'rank', direction: 'descending' }))).toEqual([
      3, 0, 2, 1,
    ]);
  });

  it('sorts by a swept param: numbers by value, text by its words, ties in trial order', () => {
    expect(trials(sortEntries(board, { key: 'param:lr', direction: 'ascending' }))).toEqual([
      1, 3, 0, 2,
    ]);
    expect(
      trials(sortEntries(board, { key: 'param:model.preset', direction: 'descending' })),
    ).toEqual([2, 3, 0, 1]);
  });

  it('sorts by seconds and by state (running first, then waiting, then how trials ended)', () => {
    expect(trials(sortEntries(board, { key: 'seconds', direction: 'descending' }))).toEqual([
      0, 3, 2, 1,
    ]);
    const states = [
      entry(0, { state: 'cancelled' }),
      entry(1, { state: 'active' }),
      entry(2, { state: 'completed' }),
    ];
    expect(trials(sortEntries(states, { key: 'state', direction: 'ascending' }))).toEqual([
      1, 2, 0,
    ]);
  });

  it('does not change the entries it is given', () => {
    const before = trials(board);
    sortEntries(board, { key: 'value', direction: 'descending' });
    expect(trials(board)).toEqual(before);
  });
});

describe('nextSort', () => {
  it('reverses the current column and starts another ascending', () => {
    expect(nextSort({ key: 'rank', direction: 'ascending' }, 'rank')).toEqual({
      key: 'rank',
      direction: 'descending',
    });
    expect(nextSort({ key: 'rank', direction: 'descending' }, 'value')).toEqual({
      key: 'value',
      direction: 'ascending',
    });
  });
});

describe('top trials and the compare link', () => {
  it('takes the k best-ranked trials, best first, never an unranked one', () => {
    expect(topTrialIds(board, 2)).toEqual(['train_2', 'train_0']);
    expect(topTrialIds(board, 10)).toEqual(['train_2', 'train_0', 'train_3']);
    expect(compareUrl(['train_2', 'train_0'])).toBe('/compare?ids=train_2,train_0');
  });
});

describe('texts', () => {
  it('counts the trials', () => {
    expect(
      describeCounts({
        total: 8,
        waiting: 3,
        active: 2,
        completed: 2,
        pruned: 1,
        failed: 0,
        cancelled: 0,
      }),
    ).toBe('3 of 8 trials finished · 2 running · 3 waiting · 1 pruned');
  });

  it('says what early termination saved', () => {
    expect(
      describeComputeSaved({
        rule: 'median',
        prunedTrials: 4,
        epochsRun: 63,
        epochsWithoutRule: 100,
        epochsSaved: 37,
        fractionSaved: 0.37,
        secondsSaved: 130,
      }),
    ).toBe(
      'Median stopping pruned 4 trials: 37 of 100 epochs saved (37%), about 2 min 10 s of training.',
    );
    expect(
      describeComputeSaved({
        rule: 'asha',
        prunedTrials: 1,
        epochsRun: 3,
        epochsWithoutRule: 4,
        epochsSaved: 1,
        fractionSaved: 0.25,
        secondsSaved: 0,
      }),
    ).toBe('ASHA pruned 1 trial: 1 of 4 epochs saved (25%).');
    expect(
      describeComputeSaved({
        rule: 'median',
        prunedTrials: 0,
        epochsRun: 0,
        epochsWithoutRule: 0,
        epochsSaved: 0,
        fractionSaved: 0,
        secondsSaved: 0,
      }),
    ).toBe('Median stopping has stopped no trial yet.');
  });

  it('describes a trial by its latest epoch', () => {
    const latest = {
      epoch: 1,
      loss: 0.5,
      accuracy: 0.8,
      val_loss: 0.41234,
      val_accuracy: 0.82,
      seconds: 2,
    };
    expect(describeLatest(entry(0, { state: 'active', latest }), 'val_loss')).toBe(
      'epoch 1/2 · val_loss 0.4123',
    );
    expect(describeLatest(entry(0), 'val_loss')).toBe('waiting');
  });
});

describe('markup', () => {
  it('renders one row per trial, with its link, values escaped and the best marked', () => {
    const rows = leaderboardRowsHtml(
      sortEntries(
        [
          ...board,
          entry(4, { assignment: { 'model.preset': '<script>', lr: 1 }, error: 'a "bad" trial' }),
        ],
        { key: 'rank', direction: 'ascending' },
      ),
      ['model.preset', 'lr'],
    );
    expect(rows.match(/<tr /g)).toHaveLength(5);
    expect(rows).toContain('<a href="/jobs/train_2" title="train_2">#2</a>');
    expect(rows).toContain('&lt;script&gt;');
    expect(rows).not.toContain('<script>');
    expect(rows).toContain('title="a &quot;bad&quot; trial"');
    expect(rows.indexOf('data-trial="2"')).toBeLessThan(rows.indexOf('data-trial="0"'));
    expect(rows).toMatch(/data-trial="2" data-state="completed" class="best"/);
    expect(rows).toContain('<td class="num value">0.3000</td>');
  });

  it('draws a chip per trial in trial order', () => {
    const chips = trialChipsHtml(board, 'val_loss');
    expect(chips.match(/<li>/g)).toHaveLength(4);
    expect(chips.indexOf('/jobs/train_0')).toBeLessThan(chips.indexOf('/jobs/train_3'));
    expect(chips).toContain('class="trial-chip state-pruned"');
  });
});
