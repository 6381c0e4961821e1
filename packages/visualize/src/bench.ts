import { trainingThreads } from '@convoy/backend';
import { testImage } from '@convoy/core';
import { createRandom, type ImageSet } from '@convoy/data';
import { buildModel } from '@convoy/model';
import { IMAGE_PIXELS, type ModelSpec } from '@convoy/schemas';
import { predictClasses } from './classify/predict-classes.js';
import { computeFeatureMaps } from './feature-maps.js';

export interface InferenceBenchmarkResult {
  /** Forward passes over a 10,000-image test set as a confusion-matrix job runs them. */
  readonly confusionMatrix: {
    readonly images: number;
    readonly imagesPerSecond: number;
    readonly threads: number;
  };
  /** One image through the feature-map model (every conv layer's activations read back). */
  readonly featureMaps: { readonly runs: number; readonly msPerImage: number };
}

/**
 * Inference as visualization jobs run it, on an untrained model of `model` (speed does not
 * depend on the weights): predictClasses over `images` random test images (one warm-up pass of
 * 500), and computeFeatureMaps for one image, `featureMapRuns` times after 5 warm-up runs.
 */
export async function benchmarkInference(options: {
  readonly model: ModelSpec;
  readonly images?: number;
  readonly featureMapRuns?: number;
  readonly seed?: number;
  /** Threads for the confusion matrix (wasm); 1 by default. */
  readonly threads?: number;
}): Promise<InferenceBenchmarkResult> {
  const count = options.images ?? 10_000;
  const runs = options.featureMapRuns ?? 50;
  const random = createRandom(options.seed ?? 42);
  const images = Uint8Array.from({ length: count * IMAGE_PIXELS }, () =>
    Math.floor(random() * 256),
  );
  const labels = Uint8Array.from({ length: count }, () => Math.floor(random() * 10));
  const set: ImageSet = { images, labels, count };
  const model = buildModel(options.model, { seed: options.seed ?? 42 });
  try {
    const warmUp = Math.min(500, count);
    await predictClasses(model, {
      images: images.subarray(0, warmUp * IMAGE_PIXELS),
      labels: labels.subarray(0, warmUp),
      count: warmUp,
    });
    let started = performance.now();
    await predictClasses(model, set, { threads: options.threads ?? 1 });
    const confusionSeconds = (performance.now() - started) / 1000;
    const image = testImage(set, 0);
    for (let run = 0; run < 5; run += 1) await computeFeatureMaps(model, image);
    started = performance.now();
    for (let run = 0; run < runs; run += 1) await computeFeatureMaps(model, image);
    const featureMapMs = (performance.now() - started) / runs;
    return {
      confusionMatrix: {
        images: count,
        imagesPerSecond: count / confusionSeconds,
        threads: trainingThreads(options.threads),
      },
      featureMaps: { runs, msPerImage: featureMapMs },
    };
  } finally {
    model.dispose();
  }
}
