import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { benchmarkRenders } from '@convoy/render';

export interface RenderBenchmarkResult {
  readonly featureMapGridMs: number;
  readonly filterGridMs: number;
  /** matplotlib's figures from mpl_anchor.py in the same run; null when it could not run. */
  readonly matplotlib: { readonly featureMapGridMs: number; readonly filterGridMs: number } | null;
  readonly speedup: { readonly featureMapGrid: number; readonly filterGrid: number } | null;
}

async function runMatplotlibAnchor(
  anchorsDir: string,
): Promise<RenderBenchmarkResult['matplotlib']> {
  const script = resolve(anchorsDir, 'mpl_anchor.py');
  if (!existsSync(script) || !existsSync('/usr/bin/python3')) return null;
  try {
    const { stdout } = await promisify(execFile)('/usr/bin/python3', [script]);
    const featureMapGridMs = Number(/feature_grid: (\d+) ms/.exec(stdout)?.[1]);
    const filterGridMs = Number(/filter_grid: (\d+) ms/.exec(stdout)?.[1]);
    return Number.isFinite(featureMapGridMs) && Number.isFinite(filterGridMs)
      ? { featureMapGridMs, filterGridMs }
      : null;
  } catch {
    return null; // no python3-matplotlib: report Convoy's figures alone
  }
}

/** ms per 8×8 feature-map grid and 2×16 filter grid PNG, beside matplotlib's in the same run. */
export async function benchmarkRendering(
  anchorsDir: string,
  iterations = 20,
): Promise<RenderBenchmarkResult> {
  const ours = benchmarkRenders(iterations);
  const matplotlib = await runMatplotlibAnchor(anchorsDir);
  return {
    featureMapGridMs: ours.featureMapGridMs,
    filterGridMs: ours.filterGridMs,
    matplotlib,
    speedup: matplotlib
      ? {
          featureMapGrid: matplotlib.featureMapGridMs / ours.featureMapGridMs,
          filterGrid: matplotlib.filterGridMs / ours.filterGridMs,
        }
      : null,
  };
}
