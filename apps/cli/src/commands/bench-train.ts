import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { benchmarkTraining, type TrainingBenchmarkResult } from '@convoy/training';
import type { ModelPreset } from '@convoy/schemas';

export interface TrainingBenchmarkRow extends TrainingBenchmarkResult {
  readonly preset: ModelPreset;
}

/** Every combination of presets, batch sizes and thread counts, one after another on the current backend. */
export async function benchmarkTrainingMatrix(
  presets: readonly ModelPreset[],
  batchSizes: readonly number[],
  threadCounts: readonly number[],
  images: number,
): Promise<TrainingBenchmarkRow[]> {
  const rows: TrainingBenchmarkRow[] = [];
  for (const preset of presets) {
    for (const batchSize of batchSizes) {
      for (const threads of threadCounts) {
        const result = await benchmarkTraining({ model: { preset }, batchSize, images, threads });
        rows.push({ preset, ...result });
      }
    }
  }
  return rows;
}

export interface TorchAnchorResult {
  readonly threads: number;
  readonly trainImagesPerSecond: number;
  readonly inferImagesPerSecond: number;
}

/** PyTorch's figures for the seed CNN from torch_anchor.py; null without /usr/bin/python3 + torch. */
export async function runTorchAnchor(
  anchorsDir: string,
  threads: number,
  images = 3200,
): Promise<TorchAnchorResult | null> {
  const script = resolve(anchorsDir, 'torch_anchor.py');
  if (!existsSync(script) || !existsSync('/usr/bin/python3')) return null;
  try {
    const { stdout } = await promisify(execFile)('/usr/bin/python3', [
      script,
      String(images),
      String(threads),
    ]);
    const train = Number(/train (\d+) samples\/s/.exec(stdout)?.[1]);
    const infer = Number(/infer (\d+) samples\/s/.exec(stdout)?.[1]);
    return Number.isFinite(train) && Number.isFinite(infer)
      ? { threads, trainImagesPerSecond: train, inferImagesPerSecond: infer }
      : null;
  } catch {
    return null; // no python3-torch: report Convoy's figures alone
  }
}

/**
 * The anchor at each thread count, one run after another: run together they would share the
 * cores and each measure a fraction of its speed.
 */
export async function runTorchAnchors(
  anchorsDir: string,
  threadCounts: readonly number[],
): Promise<TorchAnchorResult[]> {
  const results: TorchAnchorResult[] = [];
  for (const threads of threadCounts) {
    const result = await runTorchAnchor(anchorsDir, threads);
    if (result !== null) results.push(result);
  }
  return results;
}
