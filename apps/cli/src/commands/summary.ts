import type { Command } from 'commander';
import { formatSummary, summarizeModel } from '@convoy/model';
import { MODEL_PRESETS, type ModelPreset } from '@convoy/schemas';
import { writeLine, type CommandOutput } from '../options.js';

export function registerSummaryCommand(program: Command, output: CommandOutput): void {
  program
    .command('summary')
    .description("print a model's Keras-style summary: layers, output shapes, parameter counts")
    .option('--preset <name>', `model preset (${MODEL_PRESETS.join(', ')})`, 'cnn')
    .option('--json', 'print JSON instead of the table')
    .action((options: { preset: string; json?: boolean }) => {
      if (!MODEL_PRESETS.includes(options.preset as ModelPreset)) {
        program.error(
          `error: unknown preset "${options.preset}" (choose ${MODEL_PRESETS.join(', ')})`,
          { exitCode: 2 },
        );
      }
      const summary = summarizeModel({ preset: options.preset as ModelPreset });
      writeLine(
        output.stdout,
        options.json ? JSON.stringify(summary, null, 2) : formatSummary(summary),
      );
    });
}
