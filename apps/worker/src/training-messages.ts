import type { ArtifactStoreOptions, ArtifactUpload } from '@convoy/storage';
import type { ActiveBackend, BackendRequest } from '@convoy/backend';
import {
  isOutOfMemoryError,
  isPermanentError,
  type EpochRecord,
  type TrainingParams,
  type TrainingProgress,
  type TrainingResult,
} from '@convoy/schemas';
import { TrainingAbortedError } from '@convoy/training';
import type { StopReason } from './job-control.js';

/** What a training thread needs to start: no functions or handles cross the thread boundary. */
export interface TrainingThreadConfig {
  readonly backend: BackendRequest;
  /** Where artifacts live (ARTIFACTS_URL / ARTIFACTS_DIR and the S3 settings): plain data. */
  readonly artifacts: ArtifactStoreOptions;
  readonly dataDir: string;
  readonly officialDataDir: string | undefined;
  /** Threads per training run (data-parallel on wasm). */
  readonly threads: number;
}

export type ToTrainingThread =
  | {
      readonly type: 'run';
      readonly jobId: string;
      readonly params: TrainingParams;
      /** After each epoch, wait for an `epoch-decision` (a sweep trial under early termination). */
      readonly decideEpochs?: boolean;
    }
  | { readonly type: 'stop'; readonly reason: StopReason }
  /** Whether the run goes on after `epoch`: `prune` is the reason to end it there, or null. */
  | { readonly type: 'epoch-decision'; readonly epoch: number; readonly prune: string | null }
  /** The answer to an `upload` or `flush`: queued / landed, or the error that stopped the queue. */
  | { readonly type: 'upload-reply'; readonly id: number; readonly error?: SerializedError };

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  /** Retrying cannot help (bad data, divergence, invalid input). */
  readonly permanent: boolean;
  /** Training stopped because it was asked to (cancel or shutdown). */
  readonly aborted: boolean;
  /** The thread ran out of memory: permanent, and its wasm heap is full (or broken) for good. */
  readonly outOfMemory: boolean;
}

export type FromTrainingThread =
  | { readonly type: 'ready'; readonly backend: ActiveBackend }
  | {
      readonly type: 'start';
      readonly resumedFromEpoch: number;
      readonly history: readonly EpochRecord[];
    }
  /** A stage begins (loading data, building the model, training), on the backend the thread runs. */
  | {
      readonly type: 'stage';
      readonly stage: 'loading-data' | 'building-model' | 'training';
      readonly backend: ActiveBackend;
    }
  | { readonly type: 'progress'; readonly progress: TrainingProgress }
  | { readonly type: 'epoch'; readonly record: EpochRecord }
  | { readonly type: 'done'; readonly result: TrainingResult }
  /** Artifacts for the main thread to land while training goes on (see ThreadUploads). */
  | { readonly type: 'upload'; readonly id: number; readonly upload: ArtifactUpload }
  | { readonly type: 'flush'; readonly id: number }
  | { readonly type: 'failed'; readonly error: SerializedError };

/**
 * How a training thread reports a failed run. Classes do not survive postMessage, so whether the
 * error is permanent is decided here, on the thread that threw it, from its `permanent` flag.
 */
export function failedMessage(error: unknown): FromTrainingThread {
  return { type: 'failed', error: serializeError(error) };
}

export function serializeError(error: unknown): SerializedError {
  return {
    ...nameAndMessage(error),
    permanent: isPermanentError(error),
    aborted: error instanceof TrainingAbortedError,
    outOfMemory: isOutOfMemoryError(error),
  };
}

/** The name and message of anything thrown (zod's errors are not instances of Error). */
function nameAndMessage(error: unknown): { name: string; message: string } {
  if (typeof error !== 'object' || error === null || !('message' in error))
    return { name: 'Error', message: String(error) };
  const { name, message } = error as { name?: unknown; message: unknown };
  return { name: typeof name === 'string' ? name : 'Error', message: String(message) };
}
