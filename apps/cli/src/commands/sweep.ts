import { setTimeout as sleep } from 'node:timers/promises';
import { Option, type Command } from 'commander';
import { ApiUnreachableError, type ConvoyClient, type JobView } from '@convoy/client';
import {
  isTerminalState,
  sweepGoalSchema,
  TRAINING_METRICS,
  type SweepParamsInput,
  type TerminalJobState,
} from '@convoy/schemas';
import { parseWholeNumber, writeLine, type CommandOutput } from '../options.js';
import { SweepUsageError, sweepParamsFromFlags, type SweepFlags } from '../sweep-flags.js';
import { createSweepTableRenderer, formatSweepTable } from '../sweep-table.js';
import {
  addTrainingOptions,
  trainingParamsFromFlags,
  type TrainingFlags,
} from '../training-flags.js';

/** Exit codes of a watched job's final state, as `convoy watch` gives them. */
export const TERMINAL_EXIT_CODES: Readonly<Record<TerminalJobState, number>> = {
  completed: 0,
  failed: 1,
  cancelled: 3,
};

export const isSweepId = (id: string) => id.startsWith('sweep_');

/**
 * How often a watched sweep is read when its event stream is gone: every second, less often for a
 * large sweep (`GET /v1/jobs/:id` reads every trial for its leaderboard), at most every 10 s.
 */
export function pollIntervalOf(view: JobView, base = 1000): number {
  return Math.max(base, Math.min(10_000, (view.sweep?.trials.total ?? 0) * 10));
}

/**
 * Follows a sweep until it ends, with its leaderboard as a live table (on `output.stdout`, or on
 * stderr with `json`, whose stdout gets the final job view alone): the sweep as `GET` shows it,
 * then the summaries its event stream sends (at most one a second, while trials report) and the
 * final job it ends with. Should the stream be lost for good before the sweep ends, the sweep is
 * read every second or so instead. Resolves with the exit code of its final state: 0 completed,
 * 1 failed, 3 cancelled.
 */
export async function watchSweep(
  client: ConvoyClient,
  id: string,
  output: CommandOutput,
  options: { readonly json: boolean; readonly intervalMs?: number | undefined },
): Promise<number> {
  const renderer = createSweepTableRenderer(options.json ? output.stderr : output.stdout);
  let view: JobView = await client.getJob(id);
  renderer.render(formatSweepTable(view));
  if (!isTerminalState(view.state)) {
    try {
      for await (const event of client.events(id)) {
        if (event.type === 'progress') {
          const { state, sweep } = event.data;
          view = { ...view, state, ...(sweep === undefined ? {} : { sweep }) };
        } else if (event.type !== 'epoch') {
          view = event.data;
        }
        renderer.render(formatSweepTable(view));
      }
    } catch (error) {
      // The stream could not be reopened; the API may still answer reads.
      if (!(error instanceof ApiUnreachableError)) throw error;
    }
    while (!isTerminalState(view.state)) {
      await sleep(pollIntervalOf(view, options.intervalMs));
      view = await client.getJob(id);
      renderer.render(formatSweepTable(view));
    }
  }
  if (options.json) writeLine(output.stdout, JSON.stringify(view));
  else writeLine(output.stderr, `Sweep ${id}: ${view.state}`);
  return TERMINAL_EXIT_CODES[view.state as TerminalJobState] ?? 1;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

type SweepCommandFlags = Omit<SweepFlags, 'grid' | 'random'> &
  Omit<TrainingFlags, 'seed'> & {
    grid?: string[];
    random?: string[];
    trainingSeed?: number;
    name?: string;
    tag?: string[];
    notes?: string;
    watch?: boolean;
    json?: boolean;
    pollInterval?: number;
  };

/** `convoy sweep`: a grid or random search of training runs, as one sweep job. */
export function registerSweepCommand(
  program: Command,
  client: () => ConvoyClient,
  output: CommandOutput,
): void {
  const command = program
    .command('sweep')
    .description(
      'submit a hyperparameter sweep: many training runs over a search space, ranked by a metric',
    )
    .option(
      '--grid <path=values>',
      'a dimension of a grid search, every value tried (repeatable): model.preset=cnn,cnn-avgpool',
      collect,
    )
    .option(
      '--random <path=spec>',
      'a dimension of a random search (repeatable): v1,v2,… to choose from, or uniform:MIN:MAX, log_uniform:MIN:MAX, int_uniform:MIN:MAX',
      collect,
    )
    .option('--trials <n>', 'random search: trials to sample (default 10)', parseWholeNumber)
    .option(
      '--seed <n>',
      'random search: seed of the sampler (default 0; the same seed draws the same trials)',
      parseWholeNumber,
    )
    .addOption(
      new Option('--metric <name>', 'the metric that ranks trials (default val_loss)').choices(
        TRAINING_METRICS,
      ),
    )
    .addOption(
      new Option(
        '--goal <goal>',
        'minimize or maximize the metric (default: minimize losses, maximize accuracies)',
      ).choices(sweepGoalSchema.options),
    )
    .option(
      '--max-concurrent <n>',
      'most trials running at once (default: as many as workers take)',
      parseWholeNumber,
    )
    .addOption(
      new Option(
        '--early-termination <rule>',
        'stop hopeless trials early: median (median stopping) or asha (successive halving)',
      ).choices(['median', 'asha']),
    )
    .option(
      '--grace-epochs <n>',
      'median: epochs every trial runs before it may stop (default 1)',
      parseWholeNumber,
    )
    .option(
      '--min-trials <n>',
      'median: other trials that must have reached the epoch (default 3)',
      parseWholeNumber,
    )
    .option('--min-epochs <n>', 'asha: the first rung, in epochs (default 1)', parseWholeNumber)
    .option(
      '--reduction-factor <n>',
      'asha: η, the top 1/η at a rung go on; rungs at min-epochs·η^k (default 3)',
      parseWholeNumber,
    )
    .option('--name <name>', "the sweep's name (its trials are named after it)")
    .option('--tag <tag>', 'a tag of the sweep and its trials (repeatable)', collect)
    .option('--notes <text>', 'notes on the sweep');
  addTrainingOptions(command, { seedFlag: '--training-seed' })
    .option('--watch', 'follow the sweep with a live table of its trials until it ends')
    .option(
      '--json',
      'print JSON (with --watch: the final job, its result holding the leaderboard)',
    )
    .addOption(
      new Option(
        '--poll-interval <ms>',
        'how often --watch reads the sweep when its event stream is lost',
      )
        .argParser(parseWholeNumber)
        .hideHelp(),
    )
    .action(async (flags: SweepCommandFlags) => {
      let params: SweepParamsInput;
      try {
        const base = await trainingParamsFromFlags(
          { ...flags, seed: flags.trainingSeed },
          { seed: '--training-seed' },
        );
        params = sweepParamsFromFlags(
          { ...flags, grid: flags.grid ?? [], random: flags.random ?? [] },
          base,
        );
      } catch (error) {
        return command.error(`error: ${error instanceof Error ? error.message : String(error)}`, {
          exitCode: 2,
          code: error instanceof SweepUsageError ? 'convoy.sweepUsage' : 'convoy.trainingFlags',
        });
      }
      const created = await client().createJob({
        type: 'sweep',
        params,
        ...(flags.name === undefined ? {} : { name: flags.name }),
        ...(flags.tag === undefined ? {} : { tags: flags.tag }),
        ...(flags.notes === undefined ? {} : { notes: flags.notes }),
      });
      if (!flags.watch) {
        writeLine(output.stdout, flags.json ? JSON.stringify(created) : created.id);
        return;
      }
      if (!flags.json) writeLine(output.stdout, `Submitted ${created.id}`);
      process.exitCode = await watchSweep(client(), created.id, output, {
        json: flags.json ?? false,
        intervalMs: flags.pollInterval,
      });
    });
}
