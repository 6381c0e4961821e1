import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { JobView, LeaderboardEntry } from '@convoy/schemas';
import { createSweepTableRenderer, formatSweepTable } from './sweep-table.js';

function entry(
  fields: Partial<LeaderboardEntry> & Pick<LeaderboardEntry, 'trial'>,
): LeaderboardEntry {
  return {
    rank: null,
    id: `train_0000000${fields.trial}`,
    state: 'waiting',
    assignment: {},
    value: null,
    bestEpoch: null,
    epochsRun: 0,
    epochs: 3,
    seconds: 0,
    latest: null,
    ...fields,
  };
}

const leaderboard = [
  entry({
    trial: 1,
    rank: 1,
    state: 'completed',
    assignment: { 'model.preset': 'cnn', 'optimizer.learningRate': 0.0003 },
    value: 0.31234,
    bestEpoch: 3,
    epochsRun: 3,
    seconds: 41.26,
  }),
  entry({
    trial: 0,
    rank: 2,
    state: 'active',
    assignment: { 'model.preset': 'cnn', 'optimizer.learningRate': 0.001 },
    value: 0.4,
    bestEpoch: 1,
    epochsRun: 1,
    seconds: 12,
  }),
  entry({
    trial: 2,
    state: 'failed',
    assignment: { 'model.preset': 'cnn-avgpool', 'optimizer.learningRate': 0.001 },
    error: 'out of memory',
  }),
];

function sweepView(fields: Partial<JobView> = {}): JobView {
  return {
    id: 'sweep_abcdefgh12',
    type: 'sweep',
    state: 'active',
    progress: null,
    params: {
      parameters: {
        'model.preset': { values: ['cnn', 'cnn-avgpool'] },
        'optimizer.learningRate': { values: [0.001, 0.0003] },
      },
    },
    history: [],
    result: null,
    error: null,
    backend: null,
    device: null,
    attempts: 0,
    cancelRequested: false,
    createdAt: '2026-12-05T04:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    sweep: {
      trials: { total: 3, waiting: 0, active: 1, completed: 1, pruned: 0, failed: 1, cancelled: 0 },
      percent: 57.14,
      metric: { name: 'val_loss', goal: 'minimize' },
      startedAt: '2026-12-05T04:00:01.000Z',
      leaderboard,
      best: leaderboard[0] ?? null,
      earlyTermination: null,
    },
    links: { self: '', events: '', artifacts: '' },
    ...fields,
  };
}

describe('formatSweepTable', () => {
  it('has a summary line and one row per trial, best first, with the swept values', () => {
    expect(formatSweepTable(sweepView())).toEqual([
      'sweep_abcdefgh12  active  3 trials: 1 active, 1 completed, 1 failed  57%  val_loss (minimize)  best: trial 1 0.3123',
      'rank  trial  model.preset  optimizer.learningRate  state      epoch  val_loss  seconds',
      '   1      1  cnn           0.0003                  completed    3/3    0.3123     41.3',
      '   2      0  cnn           0.001                   active       1/3    0.4000     12.0',
      '   -      2  cnn-avgpool   0.001                   failed       0/3         -      0.0',
      'trial 2 failed: out of memory',
    ]);
  });

  it('reads a finished sweep from its result, and says what early termination saved', () => {
    const live = sweepView().sweep;
    const view = sweepView({
      state: 'completed',
      sweep: undefined,
      result: {
        ...live,
        earlyTermination: {
          rule: 'median',
          prunedTrials: 1,
          epochsRun: 4,
          epochsWithoutRule: 6,
          epochsSaved: 2,
          fractionSaved: 2 / 6,
          secondsSaved: 24,
        },
        seconds: 60,
      },
    });
    const lines = formatSweepTable(view);
    expect(lines[0]).toMatch(/^sweep_abcdefgh12 {2}completed {2}3 trials/);
    expect(lines[1]).toBe('early termination (median): 1 pruned, 2 of 6 epochs saved (33%)');
    expect(lines).toHaveLength(7);
  });

  it('marks a sweep whose cancellation is under way', () => {
    expect(formatSweepTable(sweepView({ cancelRequested: true }))[0]).toMatch(
      /^sweep_abcdefgh12 {2}active \(cancel requested\) {2}/,
    );
  });
});

function capture(isTTY: boolean, columns?: number, rows?: number) {
  const chunks: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString('utf8'));
        done();
      },
    }),
    { isTTY, columns, rows },
  );
  return { stream, text: () => chunks.join('') };
}

describe('createSweepTableRenderer', () => {
  it('on a terminal redraws in place: cursor up over the last table, clear, draw', () => {
    const { stream, text } = capture(true, 20);
    const renderer = createSweepTableRenderer(stream);
    renderer.render(['a', 'b']);
    renderer.render(['a', 'b']); // unchanged: nothing written
    renderer.render(['a', 'c', 'a line longer than the terminal is wide']);
    expect(text()).toBe('\u001B[0Ja\nb\n' + '\u001B[2A\u001B[0Ja\nc\na line longer than \n');
  });

  it('on a terminal keeps the table within its height, so the redraw goes up over all of it', () => {
    const { stream, text } = capture(true, 80, 5);
    const renderer = createSweepTableRenderer(stream);
    renderer.render(['head', 'r1', 'r2', 'r3', 'r4', 'r5']);
    renderer.render(['head', 'r1', 'r2']);
    expect(text()).toBe(
      '\u001B[0Jhead\nr1\nr2\n… 3 more lines\n' + '\u001B[4A\u001B[0Jhead\nr1\nr2\n',
    );
  });

  it('elsewhere prints the whole table once per change', () => {
    const { stream, text } = capture(false);
    const renderer = createSweepTableRenderer(stream);
    renderer.render(['a', 'b']);
    renderer.render(['a', 'b']);
    renderer.render(['a', 'c']);
    expect(text()).toBe('a\nb\n\na\nc\n');
  });
});
