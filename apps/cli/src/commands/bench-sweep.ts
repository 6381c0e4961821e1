import { setTimeout as sleep } from 'node:timers/promises';
import { ConvoyClient } from '@convoy/client';
import {
  sweepResultSchema,
  type ComputeSaved,
  type CreateJobRequest,
  type LeaderboardEntry,
} from '@convoy/schemas';
import { startBenchStack } from './api-process.js';

export interface SweepBenchmarkOptions {
  /** The checkout whose built apps run (api, workers). */
  readonly root: string;
  readonly redisUrl: string;
  readonly dataDir: string;
  readonly epochs: number;
  readonly limit: number;
  readonly workers: number;
  /** The grid of learning rates: some learn, some diverge. */
  readonly learningRates: readonly number[];
}

/** One run of the sweep: wall time from its POST to its completion, and what its trials did. */
export interface SweepRun {
  readonly wallSeconds: number;
  readonly epochsRun: number;
  readonly prunedTrials: number;
  /** Each trial's values, state, epochs run and best value, in trial order. */
  readonly trials: readonly Pick<
    LeaderboardEntry,
    'trial' | 'assignment' | 'state' | 'epochsRun' | 'value'
  >[];
  readonly best: Pick<LeaderboardEntry, 'trial' | 'assignment' | 'value' | 'bestEpoch'> | null;
  readonly earlyTermination: ComputeSaved | null;
}

export interface SweepBenchmarkResult {
  readonly epochs: number;
  readonly limit: number;
  readonly workers: number;
  readonly learningRates: readonly number[];
  /** The sweep with median stopping. */
  readonly withRule: SweepRun;
  /** The same sweep with every trial run to its end: the anchor. */
  readonly withoutRule: SweepRun;
  /** withRule.wallSeconds / withoutRule.wallSeconds. */
  readonly wallRatio: number;
  /** withRule.epochsRun / withoutRule.epochsRun. */
  readonly epochsRatio: number;
  /** Both runs found the same best trial. */
  readonly sameBest: boolean;
}

/**
 * `convoy bench sweep`: an API and `workers` worker processes on a throwaway prefix run one grid
 * sweep over learning rates twice — every trial to its end (the anchor), then with median stopping
 * — and compare wall time and epochs: what early termination saves on the same machine, same run.
 */
export async function benchmarkSweep(
  options: SweepBenchmarkOptions,
): Promise<SweepBenchmarkResult> {
  const stack = await startBenchStack({
    name: 'sweep',
    root: options.root,
    redisUrl: options.redisUrl,
    dataDir: options.dataDir,
    workers: options.workers,
    workerEnv: { WORKER_PRECOMPUTE: 'off' },
  });
  try {
    const client = new ConvoyClient({ baseUrl: stack.api.url });
    const sweep = (earlyTermination: boolean): CreateJobRequest => ({
      type: 'sweep',
      params: {
        base: { epochs: options.epochs, dataset: { limit: options.limit }, earlyStopping: false },
        parameters: { 'optimizer.learningRate': [...options.learningRates] },
        maxConcurrent: options.workers,
        earlyTermination: earlyTermination
          ? {
              type: 'median',
              graceEpochs: 1,
              minTrials: Math.min(2, options.learningRates.length - 1),
            }
          : false,
      },
    });
    const withoutRule = await runSweep(client, sweep(false));
    const withRule = await runSweep(client, sweep(true));
    return {
      epochs: options.epochs,
      limit: options.limit,
      workers: options.workers,
      learningRates: options.learningRates,
      withRule,
      withoutRule,
      wallRatio: withRule.wallSeconds / withoutRule.wallSeconds,
      epochsRatio: withRule.epochsRun / withoutRule.epochsRun,
      sameBest: withRule.best?.trial === withoutRule.best?.trial,
    };
  } finally {
    await stack.stop();
  }
}

async function runSweep(client: ConvoyClient, body: CreateJobRequest): Promise<SweepRun> {
  const started = performance.now();
  const { id } = await client.createJob(body);
  for (;;) {
    const view = await client.getJob(id);
    if (view.state === 'failed' || view.state === 'cancelled')
      throw new Error(`sweep ${id} ${view.state}: ${view.error?.message ?? ''}`);
    if (view.state === 'completed') {
      const wallSeconds = (performance.now() - started) / 1000;
      const result = sweepResultSchema.parse(view.result);
      const best = result.best;
      return {
        wallSeconds,
        epochsRun: result.leaderboard.reduce((sum, entry) => sum + entry.epochsRun, 0),
        prunedTrials: result.trials.pruned,
        trials: [...result.leaderboard]
          .sort((a, b) => a.trial - b.trial)
          .map(({ trial, assignment, state, epochsRun, value }) => ({
            trial,
            assignment,
            state,
            epochsRun,
            value,
          })),
        best:
          best === null
            ? null
            : {
                trial: best.trial,
                assignment: best.assignment,
                value: best.value,
                bestEpoch: best.bestEpoch,
              },
        earlyTermination: result.earlyTermination,
      };
    }
    await sleep(250);
  }
}
