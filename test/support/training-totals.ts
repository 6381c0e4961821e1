import { expect } from 'vitest';
import type { TrainingResult } from '@convoy/schemas';

/** A resumed job's seconds and images/s describe the whole training, every attempt included. */
export function expectWholeRunTotals(result: TrainingResult): void {
  const epochSeconds = result.history.reduce((sum, record) => sum + record.seconds, 0);
  expect(result.seconds).toBeGreaterThanOrEqual(epochSeconds * 0.95);
  expect(result.imagesPerSecond).toBeGreaterThan(20);
  // Steps are part of the wall time, and at least every epoch's images were trained.
  expect(result.imagesPerSecond).toBeGreaterThan(
    (result.trainImages * result.epochsRun) / result.seconds,
  );
}
