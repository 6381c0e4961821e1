import { SingleBar } from 'cli-progress';
import type { EpochRecord, TrainingProgress } from '@convoy/schemas';
import { writeLine } from './options.js';

export interface TrainingReporter {
  onProgress(progress: TrainingProgress): void;
  onEpochEnd(record: EpochRecord, epochs: number): void;
  stop(): void;
}

const fixed = (value: number | undefined) => (value === undefined ? '-' : value.toFixed(4));

/** Keras's end-of-epoch line: "Epoch 3/10 - 12s - loss: … - accuracy: … - val_loss: … - val_accuracy: …". */
export function formatEpochLine(record: EpochRecord, epochs: number): string {
  const parts = [
    `Epoch ${record.epoch}/${epochs}`,
    `${record.seconds.toFixed(1)}s`,
    `loss: ${fixed(record.loss)}`,
    `accuracy: ${fixed(record.accuracy)}`,
  ];
  if (record.val_loss !== undefined)
    parts.push(
      `val_loss: ${fixed(record.val_loss)}`,
      `val_accuracy: ${fixed(record.val_accuracy)}`,
    );
  return parts.join(' - ');
}

const LOG_LINE_INTERVAL_MS = 15_000;

export function formatProgressLine(progress: TrainingProgress): string {
  return [
    `Epoch ${progress.epoch}/${progress.epochs}`,
    `batch ${progress.batch}/${progress.batches}`,
    `loss: ${fixed(progress.loss)}`,
    `accuracy: ${fixed(progress.accuracy)}`,
    `${progress.percent.toFixed(1)}% of the job`,
  ].join(' - ');
}

/**
 * On a terminal: a live bar per epoch (batch, loss, accuracy, ETA) and a Keras line when it ends.
 * Elsewhere (pipes, CI logs): a progress line every 15 s and the epoch lines, so logs stay readable.
 */
export function createTrainingReporter(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  logLineIntervalMs = LOG_LINE_INTERVAL_MS,
): TrainingReporter {
  const bar = stream.isTTY
    ? new SingleBar({
        stream: stream as NodeJS.WriteStream,
        format:
          'Epoch {epoch}/{epochs} |{bar}| {value}/{total} - loss: {loss} - accuracy: {accuracy} - ETA {eta_formatted}',
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
      })
    : null;
  let barEpoch = 0;
  let lastLine = Date.now();
  return {
    onProgress(progress) {
      if (!bar) {
        // Logs get a line now and then, so a long epoch does not look like a hang.
        if (Date.now() - lastLine < logLineIntervalMs || progress.batch === progress.batches)
          return;
        lastLine = Date.now();
        writeLine(stream, formatProgressLine(progress));
        return;
      }
      const payload = {
        epoch: progress.epoch,
        epochs: progress.epochs,
        loss: fixed(progress.loss),
        accuracy: fixed(progress.accuracy),
      };
      if (barEpoch !== progress.epoch) {
        if (barEpoch !== 0) bar.stop();
        bar.start(progress.batches, progress.batch, payload);
        barEpoch = progress.epoch;
      } else {
        bar.update(progress.batch, payload);
      }
    },
    onEpochEnd(record, epochs) {
      if (bar && barEpoch !== 0) {
        bar.stop();
        barEpoch = 0;
      }
      writeLine(stream, formatEpochLine(record, epochs));
    },
    stop() {
      if (bar && barEpoch !== 0) bar.stop();
    },
  };
}
