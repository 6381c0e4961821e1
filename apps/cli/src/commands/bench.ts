import type { Command } from 'commander';
import { initializeBackend, trainingThreads, type BackendRequest } from '@convoy/backend';
import { benchmarkTraining } from '@convoy/training';
import { benchmarkInference } from '@convoy/visualize';
import { MODEL_PRESETS, type ModelPreset } from '@convoy/schemas';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backendOption, threadsOption } from '../compute-options.js';
import type { CliConfig } from '../config.js';
import { benchmarkDashboard, type DashboardBenchmarkResult } from './bench-dashboard.js';
import { benchmarkQueue } from './bench-queue.js';
import { benchmarkSweep, type SweepBenchmarkResult } from './bench-sweep.js';
import { benchmarkRendering } from './bench-render.js';
import { benchmarkStorage } from './bench-storage.js';
import { benchmarkStreams, type StreamsBenchmarkResult } from './bench-streams.js';
import { benchmarkTrainingMatrix, runTorchAnchors } from './bench-train.js';
import { parseWholeNumber, writeLine, type CommandOutput } from '../options.js';

interface BenchTrainFlags {
  preset: string;
  batchSize: number;
  images: number;
  backend?: BackendRequest;
  matrix?: boolean;
  anchor?: boolean;
  anchors: string;
  json?: boolean;
  threads?: number;
}

/** What every bench subcommand shares. */
interface BenchContext {
  readonly program: Command;
  readonly config: CliConfig;
  readonly output: CommandOutput;
  readonly repositoryRoot: string;
  readonly anchorsOption: readonly [string, string, string];
  /** The preset named by --preset, or exit 2 naming the choices. */
  readonly presetOf: (name: string) => ModelPreset;
}

const threadsLabel = (threads: number) => `${threads} thread${threads === 1 ? '' : 's'}`;

export function registerBenchCommand(
  program: Command,
  config: CliConfig,
  output: CommandOutput,
): void {
  const repositoryRoot = fileURLToPath(new URL('../../../../', import.meta.url));
  const context: BenchContext = {
    program,
    config,
    output,
    repositoryRoot,
    anchorsOption: [
      '--anchors <dir>',
      'directory of the anchor scripts',
      `${repositoryRoot}../shared/anchors`,
    ],
    presetOf: (name) => {
      if (!MODEL_PRESETS.includes(name as ModelPreset)) {
        program.error(`error: unknown preset "${name}" (choose ${MODEL_PRESETS.join(', ')})`, {
          exitCode: 2,
        });
      }
      return name as ModelPreset;
    },
  };
  const bench = program
    .command('bench')
    .description('measure Convoy against its anchors (no subcommand: every benchmark)');
  const train = addTrainBenchmark(bench, context);
  const queue = addQueueBenchmark(bench, context);
  const infer = addInferBenchmark(bench, context);
  const render = addRenderBenchmark(bench, context);
  const storage = addStorageBenchmark(bench, context);
  const streams = addStreamsBenchmark(bench, context);
  const dashboard = addDashboardBenchmark(bench, context);
  const sweep = addSweepBenchmark(bench, context);
  // `npm run bench` with no arguments runs every benchmark there is.
  bench.action(async () => {
    await train.parseAsync([], { from: 'user' });
    await infer.parseAsync([], { from: 'user' });
    await queue.parseAsync([], { from: 'user' });
    await render.parseAsync([], { from: 'user' });
    await storage.parseAsync([], { from: 'user' });
    await streams.parseAsync([], { from: 'user' });
    await dashboard.parseAsync([], { from: 'user' });
    await sweep.parseAsync([], { from: 'user' });
  });
}

/** `bench train`: training images/s, optionally a matrix and the PyTorch anchor. */
function addTrainBenchmark(bench: Command, context: BenchContext): Command {
  const { program, config, output, anchorsOption, presetOf } = context;
  return bench
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
    .addOption(backendOption())
    .addOption(threadsOption('data-parallel training'))
    .option('--matrix', 'both presets × batch sizes 32 and 128, on 1 thread and on --threads')
    .option(
      '--anchor',
      'also run the PyTorch anchor (torch_anchor.py, 2 and 1 threads) and print ratios',
    )
    .option(...anchorsOption)
    .option('--json', 'print JSON')
    .action(async (flags: BenchTrainFlags) => {
      if (flags.matrix || flags.anchor) {
        await benchTrainingWithAnchor(context, flags);
        return;
      }
      const preset = presetOf(flags.preset);
      if (flags.batchSize < 1 || flags.images < flags.batchSize) {
        program.error(
          'error: --images must be at least --batch-size, and --batch-size at least 1',
          { exitCode: 2 },
        );
      }
      const backend = await initializeBackend(flags.backend ?? config.backend);
      const result = await benchmarkTraining({
        model: { preset },
        batchSize: flags.batchSize,
        images: flags.images,
        threads: flags.threads ?? config.trainingThreads,
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
          : `train ${flags.preset} batch ${result.batchSize} on ${backend.name}, ${threadsLabel(result.threads)}: ${result.imagesPerSecond.toFixed(0)} images/s (${result.images} images in ${result.seconds.toFixed(2)}s)`,
      );
    });
}

/** `bench train --matrix` / `--anchor`: several rows, and ratios against PyTorch in the same run. */
async function benchTrainingWithAnchor(
  context: BenchContext,
  flags: BenchTrainFlags,
): Promise<void> {
  const { config, output, presetOf } = context;
  const backend = await initializeBackend(flags.backend ?? config.backend);
  const threads = trainingThreads(flags.threads ?? config.trainingThreads);
  const rows = flags.matrix
    ? await benchmarkTrainingMatrix(
        MODEL_PRESETS,
        [32, 128],
        threads > 1 ? [1, threads] : [1],
        flags.images,
      )
    : await benchmarkTrainingMatrix(
        [presetOf(flags.preset)],
        [flags.batchSize],
        [threads],
        flags.images,
      );
  const torch = flags.anchor ? await runTorchAnchors(flags.anchors, [2, 1]) : [];
  // The anchor trains the seed CNN at batch 32: the ratio is for that row.
  const seed = rows.find(
    (row) => row.preset === 'cnn' && row.batchSize === 32 && row.threads === threads,
  );
  const ratios = seed
    ? torch.map((anchor) => ({
        threads: anchor.threads,
        ratio: seed.imagesPerSecond / anchor.trainImagesPerSecond,
      }))
    : [];
  if (flags.json) {
    writeLine(
      output.stdout,
      JSON.stringify(
        {
          benchmark: 'train',
          backend: backend.name,
          device: backend.device,
          rows,
          torch,
          ratios,
        },
        null,
        2,
      ),
    );
    return;
  }
  for (const row of rows)
    writeLine(
      output.stdout,
      `train ${row.preset} batch ${row.batchSize} on ${backend.name}, ${threadsLabel(row.threads)}: ${row.imagesPerSecond.toFixed(0)} images/s`,
    );
  for (const anchor of torch)
    writeLine(
      output.stdout,
      `PyTorch (${threadsLabel(anchor.threads)}): ${anchor.trainImagesPerSecond} images/s training, ${anchor.inferImagesPerSecond} inference`,
    );
  for (const { threads: anchorThreads, ratio } of ratios)
    writeLine(
      output.stdout,
      `seed CNN, batch 32, Convoy on ${threadsLabel(threads)}: ${ratio.toFixed(2)}× PyTorch on ${threadsLabel(anchorThreads)}`,
    );
}

/** `bench infer`: confusion-matrix images/s and feature-map ms, beside PyTorch inference. */
function addInferBenchmark(bench: Command, context: BenchContext): Command {
  const { config, output, anchorsOption, presetOf } = context;
  return bench
    .command('infer')
    .description(
      'inference as visualization jobs run it: confusion matrix over 10,000 images (images/s) and feature maps of one image (ms), beside PyTorch inference',
    )
    .option('--preset <name>', `model preset (${MODEL_PRESETS.join(', ')})`, 'cnn')
    .addOption(backendOption())
    .addOption(threadsOption('the confusion matrix'))
    .option('--anchor', 'also run the PyTorch anchor (torch_anchor.py, 2 and 1 threads)')
    .option(...anchorsOption)
    .option('--json', 'print JSON')
    .action(
      async (flags: {
        preset: string;
        backend?: BackendRequest;
        anchor?: boolean;
        anchors: string;
        json?: boolean;
        threads?: number;
      }) => {
        const preset = presetOf(flags.preset);
        const backend = await initializeBackend(flags.backend ?? config.backend);
        const result = await benchmarkInference({
          model: { preset },
          threads: flags.threads ?? config.trainingThreads,
        });
        const torch = flags.anchor ? await runTorchAnchors(flags.anchors, [2, 1]) : [];
        const ratios = torch.map((anchor) => ({
          threads: anchor.threads,
          ratio: result.confusionMatrix.imagesPerSecond / anchor.inferImagesPerSecond,
        }));
        if (flags.json) {
          const report = { benchmark: 'infer', preset: flags.preset, backend: backend.name };
          writeLine(
            output.stdout,
            JSON.stringify(
              { ...report, device: backend.device, ...result, torch, ratios },
              null,
              2,
            ),
          );
          return;
        }
        writeLine(
          output.stdout,
          `infer ${flags.preset} on ${backend.name}: confusion matrix ${result.confusionMatrix.imagesPerSecond.toFixed(0)} images/s (${result.confusionMatrix.images} images, ${threadsLabel(result.confusionMatrix.threads)}), feature maps ${result.featureMaps.msPerImage.toFixed(2)} ms per image`,
        );
        for (const { threads, ratio } of ratios)
          writeLine(
            output.stdout,
            `inference: ${ratio.toFixed(2)}× PyTorch on ${threadsLabel(threads)} (${torch.find((anchor) => anchor.threads === threads)?.inferImagesPerSecond} images/s)`,
          );
      },
    );
}

/** `bench queue`: API submissions/s beside raw BullMQ adds/s. */
function addQueueBenchmark(bench: Command, context: BenchContext): Command {
  const { config, output, anchorsOption, repositoryRoot } = context;
  return bench
    .command('queue')
    .description(
      'job submissions/s through the API beside raw BullMQ adds/s (anchor), same Redis, same run',
    )
    .option('--jobs <n>', 'jobs per measurement', parseWholeNumber, 5000)
    .option(
      '--rounds <n>',
      'rounds of (single, batch, anchor); medians reported',
      parseWholeNumber,
      3,
    )
    .option(...anchorsOption)
    .option('--json', 'print JSON')
    .action(async (flags: { jobs: number; rounds: number; anchors: string; json?: boolean }) => {
      const result = await benchmarkQueue({
        redisUrl: config.redisUrl,
        jobs: flags.jobs,
        rounds: Math.max(1, flags.rounds),
        anchorsDir: flags.anchors,
        repositoryRoot,
      });
      const against = (ratio: number | null) =>
        ratio === null ? 'no anchor' : `${ratio.toFixed(2)}× raw BullMQ`;
      const anchor =
        result.bullmqAddsPerSecond === null
          ? ''
          : `\nraw BullMQ: ${result.bullmqAddsPerSecond} adds/s (same Redis, same run; medians of ${result.rounds.length} rounds)`;
      writeLine(
        output.stdout,
        flags.json
          ? JSON.stringify({ benchmark: 'queue', ...result }, null, 2)
          : `queue: ${result.apiSubmissionsPerSecond.toFixed(0)} submissions/s through POST /v1/jobs = ${against(result.ratio)}\n` +
              `queue: ${result.apiBatchSubmissionsPerSecond.toFixed(0)} submissions/s through POST /v1/jobs:batch (${result.batchSize} per request) = ${against(result.batchRatio)}\n` +
              `queue: ${result.apiSweepTrialsPerSecond.toFixed(0)} trials/s through ${result.sweepTrials}-trial sweeps (one POST /v1/jobs each, ${result.sweepSubmitMs.toFixed(0)} ms) = ${against(result.sweepRatio)}` +
              anchor,
      );
    });
}

/** `bench streams`: what hundreds of SSE streams cost the API, beside its idle /healthz. */
function addStreamsBenchmark(bench: Command, context: BenchContext): Command {
  const { config, output, repositoryRoot } = context;
  return bench
    .command('streams')
    .description(
      "/healthz latency, the API's CPU and Redis commands while N event streams open at once on one job and while they follow it, beside /healthz idle (anchor), same run",
    )
    .option('--streams <n>', 'event streams opened at once', parseWholeNumber, 300)
    .option('--rounds <n>', 'bursts measured (medians reported)', parseWholeNumber, 5)
    .option('--history <epochs>', "finished epochs in the job's reports", parseWholeNumber, 50)
    .option(
      '--api <checkout>',
      'the checkout whose built API to measure (to compare two versions)',
      repositoryRoot,
    )
    .option('--json', 'print JSON')
    .action(
      async (flags: {
        streams: number;
        rounds: number;
        history: number;
        api: string;
        json?: boolean;
      }) => {
        if (flags.streams < 1 || flags.rounds < 1) {
          context.program.error('error: --streams and --rounds must be at least 1', {
            exitCode: 2,
          });
        }
        const result = await benchmarkStreams({
          redisUrl: config.redisUrl,
          streams: flags.streams,
          rounds: flags.rounds,
          historyEpochs: flags.history,
          apiEntry: join(flags.api, 'apps/api/dist/main.js'),
        });
        writeLine(
          output.stdout,
          flags.json
            ? JSON.stringify({ benchmark: 'streams', ...result }, null, 2)
            : describeStreams(result),
        );
      },
    );
}

function describeStreams(result: StreamsBenchmarkResult): string {
  const latency = (summary: { p50Ms: number; maxMs: number }) =>
    `/healthz p50 ${summary.p50Ms} ms, max ${summary.maxMs} ms`;
  const { burst, steady } = result;
  const cpu = burst.apiCpuMsPerStream === null ? '' : `, API CPU ${burst.apiCpuMsPerStream} ms`;
  return [
    `streams: ${result.streams} event streams on one job (medians of ${result.rounds} bursts)`,
    `  idle (anchor):      ${latency(result.idleHealthz)}`,
    `  opening at once:    all open in ${burst.allOpenMs} ms; ${latency(burst.healthz)} (slowest per burst, median ${burst.healthzMaxMsMedian} ms)${cpu} and ${burst.redisCommandsPerStream} Redis commands per stream${burst.refused > 0 ? `; ${burst.refused} refused` : ''}`,
    `  open, ${steady.reportsPerSecond} reports/s of ${steady.historyEpochs} epochs: ${latency(steady.healthz)}${steady.apiCpuPercent === null ? '' : `, API CPU ${steady.apiCpuPercent.toFixed(0)}%`}`,
  ].join('\n');
}

/** `bench dashboard`: a completed job's page in Chromium, first and second view. */
function addDashboardBenchmark(bench: Command, context: BenchContext): Command {
  const { config, output, repositoryRoot, program } = context;
  return bench
    .command('dashboard')
    .description(
      "a completed training job's page in Chromium: navigation to every image decoded, first view (never opened, empty cache; goal ≤ 2 s) and second view (goal ≤ 0.5 s)",
    )
    .option('--epochs <n>', 'epochs per job', parseWholeNumber, 1)
    .option('--limit <n>', 'images per job (dataset.limit)', parseWholeNumber, 1000)
    .option('--jobs <n>', 'completed jobs measured (medians reported)', parseWholeNumber, 3)
    .option(
      '--precompute <mode>',
      "the worker's WORKER_PRECOMPUTE: all, cheap, or off (the first view as before precomputing)",
      'all',
    )
    .option(
      '--chromium <path>',
      'the Chromium to drive',
      process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    )
    .option('--requests', "also list the first view's slowest requests")
    .option('--json', 'print JSON')
    .action(
      async (flags: {
        epochs: number;
        limit: number;
        jobs: number;
        requests?: boolean;
        precompute: string;
        chromium: string;
        json?: boolean;
      }) => {
        if (!['all', 'cheap', 'off'].includes(flags.precompute)) {
          program.error('error: --precompute is all, cheap or off', { exitCode: 2 });
        }
        if (flags.jobs < 1 || flags.epochs < 1) {
          program.error('error: --jobs and --epochs must be at least 1', { exitCode: 2 });
        }
        const result = await benchmarkDashboard({
          root: repositoryRoot,
          redisUrl: config.redisUrl,
          dataDir: config.dataDir,
          chromiumPath: flags.chromium,
          epochs: flags.epochs,
          limit: flags.limit,
          jobs: flags.jobs,
          precompute: flags.precompute as 'all' | 'cheap' | 'off',
          requests: flags.requests,
        });
        writeLine(
          output.stdout,
          flags.json
            ? JSON.stringify({ benchmark: 'dashboard', ...result }, null, 2)
            : describeDashboard(result),
        );
      },
    );
}

/** `bench sweep`: a sweep with median stopping beside the same sweep run to the end. */
function addSweepBenchmark(bench: Command, context: BenchContext): Command {
  const { config, output, repositoryRoot, program } = context;
  return bench
    .command('sweep')
    .description(
      'a grid sweep over learning rates (some diverge) with median stopping, beside the same sweep with every trial run to its end: wall time and epochs',
    )
    .option('--epochs <n>', 'epochs per trial', parseWholeNumber, 6)
    .option('--limit <n>', 'images per trial (dataset.limit)', parseWholeNumber, 2000)
    .option('--workers <n>', 'worker processes', parseWholeNumber, 2)
    .option('--learning-rates <list>', 'the grid, comma-separated', '0.002,0.001,0.0005,0.5,1')
    .option('--json', 'print JSON')
    .action(
      async (flags: {
        epochs: number;
        limit: number;
        workers: number;
        learningRates: string;
        json?: boolean;
      }) => {
        const learningRates = flags.learningRates.split(',').map(Number);
        if (learningRates.length < 3 || learningRates.some((rate) => !(rate > 0 && rate <= 1))) {
          program.error('error: --learning-rates takes at least 3 rates in (0, 1]', {
            exitCode: 2,
          });
        }
        if (flags.epochs < 2 || flags.workers < 1) {
          program.error('error: --epochs must be at least 2 and --workers at least 1', {
            exitCode: 2,
          });
        }
        const result = await benchmarkSweep({
          root: repositoryRoot,
          redisUrl: config.redisUrl,
          dataDir: config.dataDir,
          epochs: flags.epochs,
          limit: flags.limit,
          workers: flags.workers,
          learningRates,
        });
        writeLine(
          output.stdout,
          flags.json
            ? JSON.stringify({ benchmark: 'sweep', ...result }, null, 2)
            : describeSweep(result),
        );
      },
    );
}

function describeSweep(result: SweepBenchmarkResult): string {
  const run = (name: string, sweep: SweepBenchmarkResult['withRule']) =>
    `sweep: ${name}: ${sweep.wallSeconds.toFixed(1)} s, ${sweep.epochsRun} epochs, ${sweep.prunedTrials} trials stopped early, best trial ${sweep.best?.trial ?? '-'} (val_loss ${sweep.best?.value?.toFixed(4) ?? '-'})\n` +
    sweep.trials
      .map(
        (trial) =>
          `  #${trial.trial} lr ${String(trial.assignment['optimizer.learningRate'])}: ${trial.state}, ${trial.epochsRun} epochs, best val_loss ${trial.value?.toFixed(4) ?? '-'}`,
      )
      .join('\n');
  return [
    `sweep: ${result.learningRates.length} learning rates × ${result.epochs} epochs on ${result.limit} images, ${result.workers} workers`,
    run('every trial to its end', result.withoutRule),
    run('median stopping', result.withRule),
    `sweep: median stopping took ${result.wallRatio.toFixed(2)}× the wall time and ${result.epochsRatio.toFixed(2)}× the epochs of running every trial to its end; ${result.sameBest ? 'same' : 'a different'} best trial`,
  ].join('\n');
}

function describeDashboard(result: DashboardBenchmarkResult): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const list = (values: readonly number[]) => values.map(seconds).join(', ');
  return [
    `dashboard: job page of a completed ${result.epochs}-epoch job on ${result.limit} images, ${result.images} images, worker precompute ${result.precompute} (medians of ${result.jobs} jobs)`,
    `  first view (never opened, empty cache): ${seconds(result.medianFirstViewMs)} (${list(result.firstViewMs)}; goal ≤ 2 s)`,
    `  second view:                            ${seconds(result.medianSecondViewMs)} (${list(result.secondViewMs)}; goal ≤ 0.5 s)`,
    ...requestLines('first view', result.slowestRequests),
    ...requestLines('second view', result.slowestSecondViewRequests),
    ...(result.precomputeSeconds.length === 0
      ? []
      : [
          `  precomputed by the worker before completing: ${result.precomputeSeconds.map((value) => `${value.toFixed(2)} s`).join(', ')}`,
        ]),
  ].join('\n');
}

function requestLines(
  view: string,
  requests: readonly { readonly url: string; readonly ms: number }[] | undefined,
): string[] {
  if (requests === undefined) return [];
  return [
    `  slowest requests of the ${view}:`,
    ...requests.map((request) => `  ${String(request.ms).padStart(6)} ms  ${request.url}`),
  ];
}

/** `bench render`: PNG grid timings beside matplotlib. */
function addRenderBenchmark(bench: Command, context: BenchContext): Command {
  const { output, anchorsOption } = context;
  return bench
    .command('render')
    .description(
      'ms per 8×8 feature-map grid and 2×16 filter grid PNG, beside matplotlib (anchor) in the same run',
    )
    .option(...anchorsOption)
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
}

/** `bench storage`: a training job's wall time on an S3-compatible store beside local files. */
function addStorageBenchmark(bench: Command, context: BenchContext): Command {
  const { config, output } = context;
  return bench
    .command('storage')
    .description(
      "a training job's wall time with its artifacts in an S3-compatible store (s3rver on loopback unless --s3) beside local files, alternating, same run",
    )
    .option('--epochs <n>', 'epochs per job', parseWholeNumber, 2)
    .option('--limit <n>', 'images per job (dataset.limit)', parseWholeNumber, 6000)
    .option('--repeats <n>', 'jobs per store (medians are compared)', parseWholeNumber, 3)
    .option('--s3 <url>', 'measure s3://bucket/prefix instead (credentials: the AWS SDK chain)')
    .option('--s3-endpoint <url>', 'endpoint of --s3 (MinIO, R2…; path-style)')
    .addOption(backendOption())
    .addOption(threadsOption('training'))
    .option('--json', 'print JSON')
    .action(
      async (flags: {
        epochs: number;
        limit: number;
        repeats: number;
        s3?: string;
        s3Endpoint?: string;
        backend?: BackendRequest;
        threads?: number;
        json?: boolean;
      }) => {
        const backend = await initializeBackend(flags.backend ?? config.backend);
        const result = await benchmarkStorage({
          backend,
          dataDir: config.dataDir,
          officialDataDir: config.officialDataDir,
          threads: trainingThreads(flags.threads ?? config.trainingThreads),
          epochs: flags.epochs,
          limit: flags.limit,
          repeats: flags.repeats,
          s3: flags.s3 === undefined ? undefined : { url: flags.s3, endpoint: flags.s3Endpoint },
        });
        const seconds = (values: readonly number[]) => values.map((v) => v.toFixed(2)).join(', ');
        writeLine(
          output.stdout,
          flags.json
            ? JSON.stringify({ benchmark: 'storage', backend: backend.name, ...result }, null, 2)
            : `storage: ${result.epochs}-epoch job on ${result.s3Server} ${result.medianS3Seconds.toFixed(2)} s vs local files ${result.medianLocalSeconds.toFixed(2)} s (medians of ${seconds(result.s3Seconds)} / ${seconds(result.localSeconds)}) = ${result.ratio.toFixed(3)}× local`,
        );
      },
    );
}
