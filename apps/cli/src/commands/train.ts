import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import {
  BACKEND_REQUESTS,
  initializeBackend,
  runTraining,
  type BackendRequest,
} from '@convoy/model';
import { MODEL_PRESETS, trainingParamsSchema, type TrainingParams } from '@convoy/schemas';
import type { CliConfig } from '../config.js';
import { parseDecimal, parseWholeNumber, writeLine, type CommandOutput } from '../options.js';
import { createTrainingReporter } from '../progress.js';

interface TrainFlags {
  preset?: string;
  modelFile?: string;
  epochs?: number;
  batchSize?: number;
  limit?: number;
  validationSplit?: number;
  seed?: number;
  learningRate?: number;
  patience?: number;
  earlyStopping: boolean;
  restoreBestWeights: boolean;
  backend?: BackendRequest;
  out?: string;
  json?: boolean;
}

// zod paths → the flag a user typed, so errors point at the command line.
const FLAG_FOR_PATH: Record<string, string> = {
  epochs: '--epochs',
  batchSize: '--batch-size',
  'dataset.limit': '--limit',
  validationSplit: '--validation-split',
  seed: '--seed',
  'optimizer.learningRate': '--learning-rate',
  'earlyStopping.patience': '--patience',
  model: '--preset/--model-file',
};

async function readModelFile(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(
      `cannot read --model-file ${path}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

async function paramsFromFlags(flags: TrainFlags): Promise<TrainingParams> {
  const model = flags.modelFile
    ? await readModelFile(flags.modelFile)
    : { preset: flags.preset ?? 'cnn' };
  const input = {
    model,
    epochs: flags.epochs,
    batchSize: flags.batchSize,
    validationSplit: flags.validationSplit,
    seed: flags.seed,
    optimizer: { learningRate: flags.learningRate },
    earlyStopping: flags.earlyStopping
      ? { patience: flags.patience, restoreBestWeights: flags.restoreBestWeights }
      : false,
    dataset: { limit: flags.limit },
  };
  const parsed = trainingParamsSchema.safeParse(JSON.parse(JSON.stringify(input)));
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const path = issue.path.join('.');
    const flag = Object.entries(FLAG_FOR_PATH).find(
      ([prefix]) => path === prefix || path.startsWith(`${prefix}.`),
    )?.[1];
    return `${flag ?? path}: ${issue.message}`;
  });
  throw new Error(`invalid training parameters:\n  ${problems.join('\n  ')}`);
}

export function registerTrainCommand(
  program: Command,
  config: CliConfig,
  output: CommandOutput,
): void {
  program
    .command('train')
    .description('train a model locally with the same engine as the worker (no queue)')
    .option('--preset <name>', `model preset (${MODEL_PRESETS.join(', ')})`, 'cnn')
    .option('--model-file <path>', 'JSON model spec ({"layers": [...]}) instead of a preset')
    .option('--epochs <n>', 'epochs (default 10)', parseWholeNumber)
    .option('--batch-size <n>', 'batch size (default 32)', parseWholeNumber)
    .option(
      '--limit <n>',
      'images of the 60,000 training pool to use, class-balanced',
      parseWholeNumber,
    )
    .option(
      '--validation-split <fraction>',
      'fraction held out for validation (default 0.2)',
      parseDecimal,
    )
    .option(
      '--seed <n>',
      'seed for initial weights, split and shuffling (default 42)',
      parseWholeNumber,
    )
    .option('--learning-rate <rate>', 'Adam learning rate (default 0.001)', parseDecimal)
    .option('--patience <n>', 'early-stopping patience in epochs (default 2)', parseWholeNumber)
    .option('--no-early-stopping', 'train every epoch')
    .option('--no-restore-best-weights', "keep the last epoch's weights when stopping early")
    .addOption(
      new Option('--backend <name>', 'compute backend (default: CONVOY_BACKEND or auto)').choices(
        BACKEND_REQUESTS,
      ),
    )
    .option('--out <dir>', 'artifact directory (default ./var/runs/train-<time>)')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (flags: TrainFlags) => {
      const params = await paramsFromFlags(flags);
      const backend = await initializeBackend(flags.backend ?? config.backend);
      const outDir = resolve(
        flags.out ?? `var/runs/train-${new Date().toISOString().replace(/[:.]/g, '-')}`,
      );
      writeLine(
        output.stderr,
        `Training ${'preset' in params.model ? params.model.preset : 'custom model'} on ${backend.name} (${backend.device}) → ${outDir}`,
      );
      const reporter = createTrainingReporter(output.stderr);
      try {
        const result = await runTraining({
          params,
          outDir,
          dataDir: config.dataDir,
          officialDataDir: config.officialDataDir,
          backend,
          onProgress: (progress) => reporter.onProgress(progress),
          onEpochEnd: (record) => reporter.onEpochEnd(record, params.epochs),
        });
        if (flags.json) {
          writeLine(output.stdout, JSON.stringify({ outDir, ...result }, null, 2));
        } else {
          const best = result.history.find((record) => record.epoch === result.bestEpoch);
          writeLine(
            output.stdout,
            `Done in ${result.seconds.toFixed(1)}s on ${result.backend}: ${result.epochsRun} epochs${result.stoppedEarly ? ' (stopped early)' : ''}, ${result.imagesPerSecond.toFixed(0)} images/s`,
          );
          if (best)
            writeLine(
              output.stdout,
              `Best epoch ${best.epoch}: val_loss ${best.val_loss?.toFixed(4)}, val_accuracy ${best.val_accuracy?.toFixed(4)}`,
            );
          writeLine(output.stdout, `Artifacts: ${outDir}`);
        }
      } finally {
        reporter.stop();
      }
    });
}
