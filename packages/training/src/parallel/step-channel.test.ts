import { describe, expect, it } from 'vitest';
import { StepChannel } from './step-channel.js';

const step = { offset: 16, size: 16, batchSize: 32, dropoutSeed: 42_000_126_017 };

describe('StepChannel', () => {
  it('hands steps and their outcomes across, numbered in order', async () => {
    const buffer = new SharedArrayBuffer(StepChannel.BYTES);
    const coordinator = new StepChannel(buffer);
    const replica = new StepChannel(buffer);
    for (let expected = 1; expected <= 3; expected += 1) {
      const sequence = coordinator.post({ ...step, offset: expected });
      expect(sequence).toBe(expected);
      // A seed beyond int32 survives the trip.
      expect(replica.next(sequence)).toEqual({ ...step, offset: expected });
      replica.finish(sequence, {
        ok: true,
        loss: 0.5 * expected,
        correct: expected,
        milliseconds: 3,
      });
      await expect(coordinator.result(sequence, () => null)).resolves.toEqual({
        ok: true,
        loss: 0.5 * expected,
        correct: expected,
        milliseconds: 3,
      });
    }
  });

  it("carries a replica's error message, and stops its loop on request", async () => {
    const buffer = new SharedArrayBuffer(StepChannel.BYTES);
    const coordinator = new StepChannel(buffer);
    const replica = new StepChannel(buffer);
    const sequence = coordinator.post(step);
    replica.next(sequence);
    replica.finish(sequence, { ok: false, message: 'out of memory — ünïcode kept' });
    await expect(coordinator.result(sequence, () => null)).resolves.toEqual({
      ok: false,
      message: 'out of memory — ünïcode kept',
    });
    coordinator.stop();
    expect(replica.next(sequence + 1)).toBeNull();
  });

  it('gives up waiting when the replica has died', async () => {
    const coordinator = new StepChannel(new SharedArrayBuffer(StepChannel.BYTES));
    const sequence = coordinator.post(step);
    const died = new Error('replica thread exited with code 1');
    await expect(coordinator.result(sequence, () => died)).rejects.toBe(died);
  });
});
