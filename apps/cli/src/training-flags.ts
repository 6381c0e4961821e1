import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { MODEL_PRESETS, trainingParamsSchema, type TrainingParams } from '@convoy/schemas';
import { parseDecimal, parseWholeNumber } from './options.js';

export interface TrainingFlags {
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
}

/**
 * The training flags shared by `train` (local), `submit train` (through the API) and `sweep` (its
 * base params; there `--seed` seeds the sampler, so the training seed is `--training-seed`).
 */
export function addTrainingOptions(
  command: Command,
  options: { readonly seedFlag?: string } = {},
): Command {
  return command
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
      `${options.seedFlag ?? '--seed'} <n>`,
      'seed for initial weights, split and shuffling (default 42)',
      parseWholeNumber,
    )
    .option('--learning-rate <rate>', 'Adam learning rate (default 0.001)', parseDecimal)
    .option('--patience <n>', 'early-stopping patience in epochs (default 2)', parseWholeNumber)
    .option('--no-early-stopping', 'train every epoch')
    .option('--no-restore-best-weights', "keep the last epoch's weights when stopping early");
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
      {
        cause: error,
      },
    );
  }
}

/**
 * Flags → validated training params; the error names the flags at fault (`flagNames` renames some,
 * by param path, for a command that spells them differently).
 */
export async function trainingParamsFromFlags(
  flags: TrainingFlags,
  flagNames: Readonly<Record<string, string>> = {},
): Promise<TrainingParams> {
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
  // JSON round trip drops the undefined fields, so the schema's defaults apply.
  const parsed = trainingParamsSchema.safeParse(JSON.parse(JSON.stringify(input)));
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const path = issue.path.join('.');
    const flag = Object.entries({ ...FLAG_FOR_PATH, ...flagNames }).find(
      ([prefix]) => path === prefix || path.startsWith(`${prefix}.`),
    )?.[1];
    return `${flag ?? path}: ${issue.message}`;
  });
  throw new Error(`invalid training parameters:\n  ${problems.join('\n  ')}`);
}
