import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createTrainingReporter, formatEpochLine } from './progress.js';

function capture() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

const progress = (batch: number) => ({
  epoch: 1,
  epochs: 2,
  batch,
  batches: 10,
  percent: batch * 5,
  loss: 0.5,
  accuracy: 0.8,
});

describe('training reporter off a terminal', () => {
  it('writes progress lines (throttled) and Keras epoch lines', () => {
    const { stream, lines } = capture();
    const reporter = createTrainingReporter(stream, 0);
    reporter.onProgress(progress(3));
    reporter.onProgress(progress(10)); // the epoch line follows; no progress line for the last batch
    reporter.onEpochEnd(
      { epoch: 1, loss: 0.5, accuracy: 0.8, val_loss: 0.4, val_accuracy: 0.85, seconds: 12.34 },
      2,
    );
    expect(lines()).toEqual([
      'Epoch 1/2 - batch 3/10 - loss: 0.5000 - accuracy: 0.8000 - 15.0% of the job',
      'Epoch 1/2 - 12.3s - loss: 0.5000 - accuracy: 0.8000 - val_loss: 0.4000 - val_accuracy: 0.8500',
    ]);
  });

  it('stays quiet between lines for the interval', () => {
    const { stream, lines } = capture();
    const reporter = createTrainingReporter(stream, 60_000);
    for (let batch = 1; batch < 10; batch += 1) reporter.onProgress(progress(batch));
    expect(lines()).toEqual([]);
  });

  it('leaves out validation figures when there are none', () => {
    expect(formatEpochLine({ epoch: 2, loss: 0.25, accuracy: 0.9, seconds: 3 }, 5)).toBe(
      'Epoch 2/5 - 3.0s - loss: 0.2500 - accuracy: 0.9000',
    );
  });
});
