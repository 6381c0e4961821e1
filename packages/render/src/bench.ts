import { performance } from 'node:perf_hooks';
import { renderFeatureMaps, renderFilterGrid } from './grid.js';

export interface RenderBenchmark {
  /** ms per 8×8 feature-map grid PNG (activation [14, 14, 64]). */
  featureMapGridMs: number;
  /** ms per 2×16 filter grid PNG (kernel [3, 3, 1, 32], vmin −0.5, vmax 0.5). */
  filterGridMs: number;
  /** Pixel sizes of the two pictures (matplotlib's anchor draws 1200×1200 and 1500×200). */
  featureMapGridSize: { width: number; height: number };
  filterGridSize: { width: number; height: number };
  iterations: number;
}

/** Deterministic uniform numbers in [0, 1) (mulberry32), so every run draws the same data. */
function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The two pictures `anchors/mpl_anchor.py` times with matplotlib: an 8×8 grid of 14×14 feature
 * maps (uniform [0, 1) data, each auto-ranged) and a 2×16 grid of 3×3 filters (normal × 0.2,
 * vmin −0.5, vmax 0.5), each rendered to PNG. Returns ms per picture after one warm-up.
 */
export function benchmarkRenders(iterations = 20): RenderBenchmark {
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new RangeError(`iterations must be a positive integer, got ${iterations}`);
  }
  const rand = uniform(42);
  const activation = new Float32Array(14 * 14 * 64).map(() => rand());
  const kernel = new Float32Array(3 * 3 * 1 * 32).map(() => {
    // Box–Muller: normal(0, 1) × 0.2, as np.random.randn(...) * 0.2.
    const u = 1 - rand();
    const v = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v) * 0.2;
  });
  const featureGrid = (): { width: number; height: number } =>
    renderFeatureMaps(activation, [14, 14, 64], { cols: 8 });
  const filterGrid = (): { width: number; height: number } =>
    renderFilterGrid(kernel, [3, 3, 1, 32], { rows: 2, cols: 16, vmin: -0.5, vmax: 0.5 });
  const time = (draw: () => { width: number; height: number }) => {
    const size = draw();
    const start = performance.now();
    for (let i = 0; i < iterations; i++) draw();
    return { ms: (performance.now() - start) / iterations, size };
  };
  const feature = time(featureGrid);
  const filter = time(filterGrid);
  return {
    featureMapGridMs: feature.ms,
    filterGridMs: filter.ms,
    featureMapGridSize: { width: feature.size.width, height: feature.size.height },
    filterGridSize: { width: filter.size.width, height: filter.size.height },
    iterations,
  };
}
