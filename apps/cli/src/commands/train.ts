import { resolve } from 'node:path';
import type { Command } from 'commander';
import { initializeBackend, trainingThreads, type BackendRequest } from '@convoy/backend';
import { runTraining } from '@convoy/training';
import { createLocalJobArtifacts } from '@convoy/storage';
import { backendOption, threadsOption } from '../compute-options.js';
import type { CliConfig } from '../config.js';
import { writeLine, type CommandOutput } from '../options.js';
import { createTrainingReporter } from '../progress.js';
import {
  addTrainingOptions,
  trainingParamsFromFlags,
  type TrainingFlags,
} from '../training-flags.js';

interface TrainFlags extends TrainingFlags {
  backend?: BackendRequest;
  out?: string;
  json?: boolean;
  threads?: number;
}

export function registerTrainCommand(
  program: Command,
  config: CliConfig,
  output: CommandOutput,
): void {
  addTrainingOptions(
    program
      .command('train')
      .description('train a model locally with the same engine as the worker (no queue)'),
  )
    .addOption(backendOption())
    .addOption(threadsOption('data-parallel training'))
    .option('--out <dir>', 'artifact directory (default ./var/runs/train-<time>)')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (flags: TrainFlags) => {
      const params = await trainingParamsFromFlags(flags);
      const backend = await initializeBackend(flags.backend ?? config.backend);
      const outDir = resolve(
        flags.out ?? `var/runs/train-${new Date().toISOString().replace(/[:.]/g, '-')}`,
      );
      const model = 'preset' in params.model ? params.model.preset : 'custom model';
      writeLine(
        output.stderr,
        `Training ${model} on ${backend.name} (${backend.device}, ${trainingThreads(flags.threads ?? config.trainingThreads)} thread(s)) → ${outDir}`,
      );
      const reporter = createTrainingReporter(output.stderr);
      try {
        const result = await runTraining({
          params,
          artifacts: createLocalJobArtifacts(outDir),
          dataDir: config.dataDir,
          officialDataDir: config.officialDataDir,
          backend,
          threads: flags.threads ?? config.trainingThreads,
          onProgress: (progress) => reporter.onProgress(progress),
          onEpochEnd: (record) => reporter.onEpochEnd(record, params.epochs),
        });
        if (flags.json) {
          writeLine(output.stdout, JSON.stringify({ outDir, ...result }, null, 2));
          return;
        }
        const best = result.history.find((record) => record.epoch === result.bestEpoch);
        const stopped = result.stoppedEarly ? ' (stopped early)' : '';
        writeLine(
          output.stdout,
          `Done in ${result.seconds.toFixed(1)}s on ${result.backend}: ${result.epochsRun} epochs${stopped}, ${result.imagesPerSecond.toFixed(0)} images/s`,
        );
        if (best)
          writeLine(
            output.stdout,
            `Best epoch ${best.epoch}: val_loss ${best.val_loss?.toFixed(4)}, val_accuracy ${best.val_accuracy?.toFixed(4)}`,
          );
        writeLine(output.stdout, `Artifacts: ${outDir}`);
      } finally {
        reporter.stop();
      }
    });
}
