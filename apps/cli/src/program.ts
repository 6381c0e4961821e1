import { Command } from 'commander';
import type { CliConfig } from './config.js';
import type { CommandOutput } from './options.js';
import { registerBenchCommand } from './commands/bench.js';
import { registerRemoteCommands } from './commands/remote.js';
import { registerSummaryCommand } from './commands/summary.js';
import { registerTrainCommand } from './commands/train.js';

/** The `convoy` command tree; main.ts parses argv with it. */
export function createProgram(config: CliConfig, output: CommandOutput): Command {
  const program = new Command('convoy')
    .description(
      'Train and inspect convolutional networks (Fashion-MNIST) locally or through a Convoy API',
    )
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (text) => output.stdout.write(text),
      writeErr: (text) => output.stderr.write(text),
    });
  registerSummaryCommand(program, output);
  registerTrainCommand(program, config, output);
  registerBenchCommand(program, config, output);
  registerRemoteCommands(program, config, output);
  return program;
}
