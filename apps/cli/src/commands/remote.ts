import { Option, type Command } from 'commander';
import { ConvoyClient, type CreateJobRequest, type JobView } from '@convoy/client';
import {
  VISUALIZATION_KINDS,
  type JobState,
  type TerminalJobState,
  type VisualizationKind,
} from '@convoy/schemas';
import { isSweepId, registerSweepCommand, TERMINAL_EXIT_CODES, watchSweep } from './sweep.js';
import { formatSweepTable } from '../sweep-table.js';
import type { CliConfig } from '../config.js';
import { parseWholeNumber, writeLine, type CommandOutput } from '../options.js';
import { createTrainingReporter, formatEpochLine } from '../progress.js';
import {
  addTrainingOptions,
  trainingParamsFromFlags,
  type TrainingFlags,
} from '../training-flags.js';

/** Follows a job's events with a progress bar; resolves with the exit code its final state maps to. */
async function watchJob(
  client: ConvoyClient,
  id: string,
  output: CommandOutput,
  json: boolean,
): Promise<number> {
  const reporter = createTrainingReporter(output.stderr);
  let epochs = 0;
  let finalState: JobState | undefined;
  try {
    for await (const event of client.events(id)) {
      if (json) writeLine(output.stdout, JSON.stringify({ event: event.type, data: event.data }));
      if (event.type === 'progress') {
        const { progress } = event.data;
        if (progress) {
          epochs = progress.epochs;
          if (!json) reporter.onProgress(progress);
        }
      } else if (event.type === 'epoch') {
        if (!json) reporter.onEpochEnd(event.data, epochs || event.data.epoch);
      } else {
        finalState = event.type;
      }
    }
  } finally {
    reporter.stop();
  }
  finalState ??= (await client.getJob(id)).state;
  if (!json) writeLine(output.stderr, `Job ${id}: ${finalState}`);
  return TERMINAL_EXIT_CODES[finalState as TerminalJobState] ?? 1;
}

function printStatus(output: CommandOutput, job: JobView): void {
  if (job.type === 'sweep') {
    // The sweep's table: its counts, best trial and one row per trial.
    for (const line of formatSweepTable(job)) writeLine(output.stdout, line);
    if (job.error) writeLine(output.stdout, `error: ${job.error.message}`);
    return;
  }
  writeLine(
    output.stdout,
    `${job.id}  ${job.type}  ${job.state}${job.backend ? `  on ${job.backend}` : ''}`,
  );
  if (job.trialOf)
    writeLine(output.stdout, `trial ${job.trialOf.trial} of sweep ${job.trialOf.id}`);
  if (job.progress) {
    const { epoch, epochs, batch, batches, percent } = job.progress;
    writeLine(
      output.stdout,
      `progress: epoch ${epoch}/${epochs}, batch ${batch}/${batches} (${percent.toFixed(1)}%)`,
    );
  }
  for (const record of job.history)
    writeLine(output.stdout, formatEpochLine(record, job.progress?.epochs ?? job.history.length));
  if (job.error) writeLine(output.stdout, `error: ${job.error.message}`);
}

export function registerRemoteCommands(
  program: Command,
  config: CliConfig,
  output: CommandOutput,
): void {
  const client = () => new ConvoyClient({ baseUrl: config.apiUrl, token: config.apiToken });
  const submit = program.command('submit').description('submit a job to the Convoy API (API_URL)');
  const submitJob = async (body: CreateJobRequest, flags: { watch?: boolean; json?: boolean }) => {
    const created = await client().createJob(body);
    writeLine(
      output.stdout,
      flags.json ? JSON.stringify(created) : `Submitted ${created.id} (${created.state})`,
    );
    if (flags.watch)
      process.exitCode = await watchJob(client(), created.id, output, flags.json ?? false);
  };

  addTrainingOptions(submit.command('train').description('submit a training job'))
    .option('--watch', 'follow the job with a progress bar until it ends')
    .option('--json', 'print JSON')
    .action(async (flags: TrainingFlags & { watch?: boolean; json?: boolean }) => {
      await submitJob({ type: 'train', params: await trainingParamsFromFlags(flags) }, flags);
    });

  submit
    .command('visualize')
    .description('submit a visualization of a training job')
    .requiredOption('--job <id>', 'the training job')
    .addOption(
      new Option('--kind <kind>', 'what to compute')
        .choices(VISUALIZATION_KINDS)
        .makeOptionMandatory(),
    )
    .option('--layer <index-or-name>', 'layer index or Keras name (default: first conv layer)')
    .option('--sample <n>', 'test-set image for feature maps and predictions', parseWholeNumber)
    .addOption(
      new Option('--weights <which>', 'trained or untrained weights')
        .choices(['trained', 'untrained'])
        .default('trained'),
    )
    .option('--watch', 'wait until the job ends')
    .option('--json', 'print JSON')
    .action(
      async (flags: {
        job: string;
        kind: VisualizationKind; // commander checks the choices
        layer?: string;
        sample?: number;
        weights: 'trained' | 'untrained';
        watch?: boolean;
        json?: boolean;
      }) => {
        const layer =
          flags.layer === undefined
            ? undefined
            : /^\d+$/.test(flags.layer)
              ? Number(flags.layer)
              : flags.layer;
        const params = {
          jobId: flags.job,
          kind: flags.kind,
          weights: flags.weights,
          ...(layer === undefined ? {} : { layer }),
          ...(flags.sample === undefined ? {} : { sample: flags.sample }),
        };
        await submitJob({ type: 'visualize', params }, flags);
      },
    );

  program
    .command('status <id>')
    .description("print a job's state, progress and history")
    .option('--json', 'print the job as JSON')
    .action(async (id: string, flags: { json?: boolean }) => {
      const job = await client().getJob(id);
      if (flags.json) writeLine(output.stdout, JSON.stringify(job, null, 2));
      else printStatus(output, job);
    });

  program
    .command('watch <id>')
    .description(
      'follow a job with a progress bar (a sweep: a live table of its trials) until it ends (exit 0 completed, 1 failed, 3 cancelled)',
    )
    .option('--json', 'print each event as a JSON line (a sweep: its final job view)')
    .action(async (id: string, flags: { json?: boolean }) => {
      process.exitCode = isSweepId(id)
        ? await watchSweep(client(), id, output, { json: flags.json ?? false })
        : await watchJob(client(), id, output, flags.json ?? false);
    });

  program
    .command('cancel <id>')
    .description(
      'cancel a job (waiting: removed; running: stops at its next batch); a sweep: all its trials',
    )
    .action(async (id: string) => {
      const answer = await client().cancelJob(id);
      writeLine(
        output.stdout,
        isSweepId(id)
          ? `${id}: cancelling (waiting trials removed, running ones stop at their next batch)`
          : `${id}: ${answer.state}`,
      );
    });

  registerSweepCommand(program, client, output);
}
