import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

/** A training step as the coordinator hands it to one replica. */
export interface StepRequest {
  readonly offset: number;
  readonly size: number;
  readonly batchSize: number;
  readonly dropoutSeed: number;
}

export type StepOutcome =
  | {
      readonly ok: true;
      readonly loss: number;
      readonly correct: number;
      /** The replica's time for the step, from wake-up to results written. */
      readonly milliseconds: number;
    }
  | { readonly ok: false; readonly message: string };

// Int32 slots: sequence numbers and flags, which Atomics.wait/notify work on.
const REQUESTED = 0;
const DONE = 1;
const STOP = 2;
const FAILED = 3;
const MESSAGE_LENGTH = 4;
const INT_SLOTS = 8;
// Float64 slots: the step's numbers and its results (a seed can exceed int32).
const OFFSET = 0;
const SIZE = 1;
const BATCH_SIZE = 2;
const DROPOUT_SEED = 3;
const LOSS = 4;
const CORRECT = 5;
const MILLISECONDS = 6;
const FLOAT_SLOTS = 7;
const MESSAGE_BYTES = 1024;

/**
 * The per-step handshake between the coordinating thread and one training replica, in shared
 * memory: the replica blocks in Atomics.wait until a step is posted, and the coordinator until
 * it is done. A postMessage round trip costs a millisecond or more of thread wake-ups per step;
 * this costs microseconds.
 */
export class StepChannel {
  static readonly BYTES = INT_SLOTS * 4 + FLOAT_SLOTS * 8 + MESSAGE_BYTES;
  private readonly ints: Int32Array;
  private readonly floats: Float64Array;
  private readonly message: Uint8Array;

  constructor(buffer: SharedArrayBuffer) {
    this.ints = new Int32Array(buffer, 0, INT_SLOTS);
    this.floats = new Float64Array(buffer, INT_SLOTS * 4, FLOAT_SLOTS);
    this.message = new Uint8Array(buffer, INT_SLOTS * 4 + FLOAT_SLOTS * 8, MESSAGE_BYTES);
  }

  /** Coordinator: posts the next step and returns its sequence number. */
  post(step: StepRequest): number {
    this.floats[OFFSET] = step.offset;
    this.floats[SIZE] = step.size;
    this.floats[BATCH_SIZE] = step.batchSize;
    this.floats[DROPOUT_SEED] = step.dropoutSeed;
    const sequence = Atomics.add(this.ints, REQUESTED, 1) + 1;
    Atomics.notify(this.ints, REQUESTED);
    return sequence;
  }

  /**
   * Coordinator: waits for step `sequence`. Blocks in slices, yielding to the event loop between
   * them so a replica that died (reported as an event) is noticed: `failure` is then thrown.
   */
  async result(sequence: number, failure: () => Error | null): Promise<StepOutcome> {
    while (Atomics.load(this.ints, DONE) < sequence) {
      if (Atomics.wait(this.ints, DONE, sequence - 1, 100) === 'timed-out') {
        await yieldToEventLoop();
        const error = failure();
        if (error) throw error;
      }
    }
    if (this.ints[FAILED] !== 0) {
      const length = this.ints[MESSAGE_LENGTH] ?? 0;
      const message = new TextDecoder().decode(this.message.slice(0, length));
      return { ok: false, message };
    }
    return {
      ok: true,
      loss: this.floats[LOSS] ?? Number.NaN,
      correct: this.floats[CORRECT] ?? 0,
      milliseconds: this.floats[MILLISECONDS] ?? Number.NaN,
    };
  }

  /** Coordinator: asks the replica to leave its loop. */
  stop(): void {
    Atomics.store(this.ints, STOP, 1);
    Atomics.add(this.ints, REQUESTED, 1);
    Atomics.notify(this.ints, REQUESTED);
  }

  /** Replica: blocks until step `sequence` is posted; null when asked to stop. */
  next(sequence: number): StepRequest | null {
    Atomics.wait(this.ints, REQUESTED, sequence - 1);
    if (Atomics.load(this.ints, STOP) !== 0) return null;
    return {
      offset: this.floats[OFFSET] ?? 0,
      size: this.floats[SIZE] ?? 0,
      batchSize: this.floats[BATCH_SIZE] ?? 0,
      dropoutSeed: this.floats[DROPOUT_SEED] ?? 0,
    };
  }

  /** Replica: reports step `sequence` done (or failed) and wakes the coordinator. */
  finish(sequence: number, outcome: StepOutcome): void {
    if (outcome.ok) {
      this.floats[LOSS] = outcome.loss;
      this.floats[CORRECT] = outcome.correct;
      this.floats[MILLISECONDS] = outcome.milliseconds;
      this.ints[FAILED] = 0;
    } else {
      const bytes = new TextEncoder().encode(outcome.message).subarray(0, MESSAGE_BYTES);
      this.message.set(bytes);
      this.ints[MESSAGE_LENGTH] = bytes.length;
      this.ints[FAILED] = 1;
    }
    Atomics.store(this.ints, DONE, sequence);
    Atomics.notify(this.ints, DONE);
  }
}
