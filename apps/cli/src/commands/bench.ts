import { Option, type Command } from 'commander';
import {
  BACKEND_REQUESTS,
  benchmarkTraining,
  initializeBackend,
  type BackendRequest,
} from '@convoy/model';
import { MODEL_PRESETS, type ModelPreset } from '@convoy/schemas';
import { fileURLToPath } from 'node:url';
import type { CliConfig } from '../config.js';
import { benchmarkQueue } from './bench-queue.js';
import { benchmarkRendering } from './bench-render.js';
import { parseWholeNumber, writeLine, type CommandOutput } from '../options.js';

interface BenchTrainFlags {
  preset: string;
  batchSize: number;
  images: number;
  backend?: BackendRequest;
  json?: boolean;
}

export function registerBenchCommand(
  program: Command,
  config: CliConfig,
  output: CommandOutput,
): void {
  const bench = program
    .command('bench')
    .description('measure Convoy against its anchors (no subcommand: every benchmark)');
  const train = bench
    .command('train')
    .description('training images/s of a model on random data (one warm-up pass, one timed pass)')
    .option('--preset <name>', `model preset (${MODEL_PRESETS.join(', ')})`, 'cnn')
    .option('--batch-size <n>', 'batch size', parseWholeNumber, 32)
    .option(
      '--images <n>',
      'images per timed pass (the PyTorch anchor uses 3200)',
      parseWholeNumber,
      3200,
    )
    .addOption(
      new Option('--backend <name>', 'compute backend (default: CONVOY_BACKEND or auto)').choices(
        BACKEND_REQUESTS,
      ),
    )
    .option('--json', 'print JSON')
    .action(async (flags: BenchTrainFlags) => {
      if (!MODEL_PRESETS.includes(flags.preset as ModelPreset)) {
        program.error(
          `error: unknown preset "${flags.preset}" (choose ${MODEL_PRESETS.join(', ')})`,
          { exitCode: 2 },
        );
      }
      if (flags.batchSize < 1 || flags.images < flags.batchSize) {
        program.error(
          'error: --images must be at least --batch-size, and --batch-size at least 1',
          { exitCode: 2 },
        );
      }
      const backend = await initializeBackend(flags.backend ?? config.backend);
      const result = await benchmarkTraining({
        model: { preset: flags.preset as ModelPreset },
        batchSize: flags.batchSize,
        images: flags.images,
      });
      const report = {
        benchmark: 'train',
        preset: flags.preset,
        backend: backend.name,
        device: backend.device,
        ...result,
      };
      writeLine(
        output.stdout,
        flags.json
          ? JSON.stringify(report, null, 2)
          : `train ${flags.preset} batch ${result.batchSize} on ${backend.name}: ${result.imagesPerSecond.toFixed(0)} images/s (${result.images} images in ${result.seconds.toFixed(2)}s)`,
      );
    });
  const repositoryRoot = fileURLToPath(new URL('../../../../', import.meta.url));
  const queue = bench
    .command('queue')
    .description(
      'job submissions/s through the API beside raw BullMQ adds/s (anchor), same Redis, same run',
    )
    .option('--jobs <n>', 'jobs per measurement', parseWholeNumber, 5000)
    .option(
      '--anchors <dir>',
      'directory of the anchor scripts',
      `${repositoryRoot}../shared/anchors`,
    )
    .option('--json', 'print JSON')
    .action(async (flags: { jobs: number; anchors: string; json?: boolean }) => {
      const result = await benchmarkQueue({
        redisUrl: config.redisUrl,
        jobs: flags.jobs,
        anchorsDir: flags.anchors,
        repositoryRoot,
      });
      const ratio =
        result.ratio === null
          ? 'no anchor'
          : `${result.ratio.toFixed(2)}× raw BullMQ (${result.bullmqAddsPerSecond} adds/s)`;
      writeLine(
        output.stdout,
        flags.json
          ? JSON.stringify({ benchmark: 'queue', ...result }, null, 2)
          : `queue: ${result.apiSubmissionsPerSecond.toFixed(0)} submissions/s through the API = ${ratio}`,
      );
    });
  const render = bench
    .command('render')
    .description(
      'ms per 8×8 feature-map grid and 2×16 filter grid PNG, beside matplotlib (anchor) in the same run',
    )
    .option(
      '--anchors <dir>',
      'directory of the anchor scripts',
      `${repositoryRoot}../shared/anchors`,
    )
    .option('--json', 'print JSON')
    .action(async (flags: { anchors: string; json?: boolean }) => {
      const result = await benchmarkRendering(flags.anchors);
      const versus = (ours: number, theirs: number | undefined) =>
        theirs === undefined
          ? ''
          : ` (matplotlib ${theirs} ms: ${(theirs / ours).toFixed(0)}× faster)`;
      writeLine(
        output.stdout,
        flags.json
          ? JSON.stringify({ benchmark: 'render', ...result }, null, 2)
          : `render: 8×8 feature maps ${result.featureMapGridMs.toFixed(1)} ms${versus(result.featureMapGridMs, result.matplotlib?.featureMapGridMs)}, ` +
              `2×16 filters ${result.filterGridMs.toFixed(1)} ms${versus(result.filterGridMs, result.matplotlib?.filterGridMs)}`,
      );
    });
  // `npm run bench` with no arguments runs every benchmark there is.
  bench.action(async () => {
    await train.parseAsync([], { from: 'user' });
    await queue.parseAsync([], { from: 'user' });
    await render.parseAsync([], { from: 'user' });
  });
}
