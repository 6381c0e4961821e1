import { once } from 'node:events';
import { Worker as Thread } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPermanentError } from '@convoy/schemas';
import type { FromTrainingThread } from './training-messages.js';
import { TrainingThreadError } from './training-thread-pool.js';

/** An error for the thread to throw: the export `name` of `module` (or a global), built with `args`. */
interface ThrownError {
  readonly module: string;
  readonly name: string;
  readonly args: readonly unknown[];
}

// Every error retrying cannot fix, from every package that declares one.
const PERMANENT: ThrownError[] = [
  { module: '@convoy/data', name: 'DataError', args: ['unreadable data'] },
  { module: '@convoy/data', name: 'IdxFormatError', args: ['bad magic number'] },
  { module: '@convoy/data', name: 'TruncatedFileError', args: ['file ends early'] },
  { module: '@convoy/data', name: 'DataSourceError', args: ['files missing'] },
  { module: '@convoy/schemas', name: 'ShapeError', args: ['kernel larger than its input', 2] },
  { module: '@convoy/schemas', name: 'InvalidValueError', args: ['limit exceeds the pool'] },
  { module: '@convoy/training', name: 'InvalidTrainingDataError', args: ['pixels out of [0, 1]'] },
  { module: '@convoy/training', name: 'NonFiniteLossError', args: [2, 7, Number.NaN] },
  { module: '@convoy/model', name: 'ModelArtifactError', args: ['checkpoint unreadable'] },
  { module: '@convoy/core', name: 'VisualizationInputError', args: ['unknown-layer', 'no layer'] },
  { module: 'zod', name: 'ZodError', args: [[]] },
];

// Running out of memory, as wasm, V8 and libtensorflow say it: permanent, and marked so the pool
// replaces the thread.
const OUT_OF_MEMORY: ThrownError[] = [
  { module: 'globalThis', name: 'WebAssembly.RuntimeError', args: ['memory access out of bounds'] },
  { module: 'globalThis', name: 'RangeError', args: ['Array buffer allocation failed'] },
  { module: 'globalThis', name: 'RangeError', args: ['out of memory'] },
  { module: 'globalThis', name: 'Error', args: ['OOM when allocating tensor with shape[1024]'] },
];

// Worth the queue's retries: anything unflagged, and a stop that was asked for.
const NOT_PERMANENT: (ThrownError & { readonly aborted: boolean })[] = [
  { module: 'globalThis', name: 'Error', args: ['redis went away'], aborted: false },
  { module: 'globalThis', name: 'RangeError', args: ['index out of range'], aborted: false },
  { module: '@convoy/backend', name: 'BackendUnavailableError', args: ['no'], aborted: false },
  { module: '@convoy/training', name: 'TrainingAbortedError', args: ['stopped'], aborted: true },
];

let thread: Thread;

beforeAll(() => {
  thread = new Thread(new URL('./fixtures/failing-training-thread.mjs', import.meta.url));
});

afterAll(async () => {
  await thread.terminate();
});

/** Has the thread throw `error`, and receives the failure as the training thread pool does. */
async function failAcrossThreads(error: ThrownError): Promise<TrainingThreadError> {
  thread.postMessage(error);
  const [message] = (await once(thread, 'message')) as [FromTrainingThread];
  if (message.type !== 'failed') throw new Error(`expected a failed message, got ${message.type}`);
  return new TrainingThreadError(message.error);
}

describe("a training thread's failed message", () => {
  it.each(PERMANENT)('carries permanent: true for $name', async (thrown) => {
    const received = await failAcrossThreads(thrown);
    expect(received.name).toBe(thrown.name);
    expect(received.permanent).toBe(true);
    expect(received.aborted).toBe(false);
    expect(received.outOfMemory).toBe(false);
    expect(isPermanentError(received)).toBe(true);
  });

  it.each(OUT_OF_MEMORY)('carries permanent and outOfMemory for $name: $args.0', async (thrown) => {
    const received = await failAcrossThreads(thrown);
    expect(received.name).toBe(thrown.name.replace('WebAssembly.', ''));
    expect(received.permanent).toBe(true);
    expect(received.outOfMemory).toBe(true);
    expect(received.aborted).toBe(false);
  });

  it.each(NOT_PERMANENT)('carries permanent: false for $name', async (thrown) => {
    const received = await failAcrossThreads(thrown);
    expect(received.name).toBe(thrown.name);
    expect(received.permanent).toBe(false);
    expect(received.aborted).toBe(thrown.aborted);
    expect(received.outOfMemory).toBe(false);
    expect(isPermanentError(received)).toBe(false);
  });
});
