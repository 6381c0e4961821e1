import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActiveBackend } from '@convoy/backend';
import { trainingParamsSchema } from '@convoy/schemas';
import { createArtifactStore, LocalArtifactStore, type ArtifactStore } from '@convoy/storage';
import { createS3rverStore, startS3rver } from '@convoy/storage/s3rver';
import { runTraining } from '@convoy/training';
import { median } from './median.js';

export interface StorageBenchmarkOptions {
  readonly backend: ActiveBackend;
  readonly dataDir: string;
  readonly officialDataDir?: string | undefined;
  readonly threads: number;
  readonly epochs: number;
  /** Images of the data set the job uses (dataset.limit; the validation split comes out of it). */
  readonly limit: number;
  /** Runs per store, alternating which goes first; the figures are medians. */
  readonly repeats: number;
  /**
   * `s3://bucket/prefix` to measure instead of s3rver on loopback (below a fresh folder of the
   * prefix; region and credentials from the AWS SDK's chain), and its endpoint (MinIO…).
   */
  readonly s3?: { readonly url: string; readonly endpoint?: string | undefined } | undefined;
}

export interface StorageBenchmarkResult {
  readonly epochs: number;
  readonly limit: number;
  readonly repeats: number;
  /** Where the S3 store was: `s3rver on 127.0.0.1`, or the endpoint and bucket given. */
  readonly s3Server: string;
  readonly localSeconds: readonly number[];
  readonly s3Seconds: readonly number[];
  readonly medianLocalSeconds: number;
  readonly medianS3Seconds: number;
  /** Median wall time on S3 over median wall time on local files (goal: at most 1.05). */
  readonly ratio: number;
}

interface S3Target {
  readonly store: ArtifactStore;
  readonly description: string;
  close(): Promise<void>;
}

/** s3rver on a free loopback port with a fresh bucket, or the bucket the user named. */
async function openS3(options: StorageBenchmarkOptions, scratch: string): Promise<S3Target> {
  const prefix = `convoy-bench-${randomUUID()}`;
  if (options.s3) {
    const { url, endpoint } = options.s3;
    const store = createArtifactStore({
      artifactsUrl: `${url.replace(/\/+$/, '')}/${prefix}`,
      s3Endpoint: endpoint,
      // Other endpoints than AWS are mostly MinIO and alike, which want the bucket in the path.
      s3ForcePathStyle: endpoint !== undefined,
    });
    const description = `${url} at ${endpoint ?? 'AWS S3'}`;
    return { store, description, close: async () => store.close() };
  }
  const server = await startS3rver(join(scratch, 's3rver'));
  const store = await createS3rverStore(server.endpoint, 'bench', prefix);
  return {
    store,
    description: 's3rver on 127.0.0.1',
    close: async () => {
      store.close();
      await server.stop();
    },
  };
}

/** Wall seconds of one training job from data to its last artifact landed, on `store`. */
async function timeJob(options: StorageBenchmarkOptions, store: ArtifactStore): Promise<number> {
  const jobId = `train_bench${randomUUID().slice(0, 8)}`;
  const params = trainingParamsSchema.parse({
    epochs: options.epochs,
    dataset: { limit: options.limit },
    // Every epoch runs: the same work on both stores.
    earlyStopping: false,
  });
  const started = performance.now();
  await runTraining({
    params,
    artifacts: store.job(jobId),
    dataDir: options.dataDir,
    officialDataDir: options.officialDataDir,
    backend: options.backend,
    threads: options.threads,
  });
  const seconds = (performance.now() - started) / 1000;
  await store.removeJob(jobId);
  return seconds;
}

/**
 * The same training job on local files and on an S3-compatible store, alternating, `repeats` times
 * each: what the object store costs a job that writes a checkpoint, history and (on improvement) the
 * best model every epoch. The first job warms the data cache and backend and is not counted.
 */
export async function benchmarkStorage(
  options: StorageBenchmarkOptions,
): Promise<StorageBenchmarkResult> {
  const scratch = await mkdtemp(join(tmpdir(), 'convoy-bench-storage-'));
  const local = new LocalArtifactStore(join(scratch, 'artifacts'));
  const s3 = await openS3(options, scratch);
  try {
    await timeJob({ ...options, epochs: 1 }, local);
    const localSeconds: number[] = [];
    const s3Seconds: number[] = [];
    for (let repeat = 0; repeat < options.repeats; repeat += 1) {
      const order = repeat % 2 === 0 ? ['local', 's3'] : ['s3', 'local'];
      for (const which of order) {
        if (which === 'local') localSeconds.push(await timeJob(options, local));
        else s3Seconds.push(await timeJob(options, s3.store));
      }
    }
    const medianLocalSeconds = median(localSeconds);
    const medianS3Seconds = median(s3Seconds);
    return {
      epochs: options.epochs,
      limit: options.limit,
      repeats: options.repeats,
      s3Server: s3.description,
      localSeconds,
      s3Seconds,
      medianLocalSeconds,
      medianS3Seconds,
      ratio: medianS3Seconds / medianLocalSeconds,
    };
  } finally {
    await s3.close();
    await rm(scratch, { recursive: true, force: true });
  }
}
