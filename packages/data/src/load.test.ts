import { readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CACHE_DIR_NAME, MANIFEST_FILE } from './cache.js';
import type { CacheManifest } from './cache.js';
import { fakeImage, makeTempDir, writeFakePackage } from './fake-package.test-helper.js';
import { IMAGE_PIXELS, NUM_CLASSES } from './image-set.js';
import { idxByteLength, readIdxFile } from './idx.js';
import { loadFashionMnist, loadFashionMnistDetailed } from './load.js';
import type { FashionMnist, LoadFashionMnistOptions } from './load.js';
import type { DataLogger } from './logger.js';
import { IDX_FILES } from './source-data.js';

const PER_CLASS = 7;
const TEST_PER_CLASS = 2;

interface LogEntry {
  level: 'info' | 'warn';
  details: object;
  message: string;
}

function recordingLogger(): DataLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return {
    entries,
    info: (details, message) => entries.push({ level: 'info', details, message }),
    warn: (details, message) => entries.push({ level: 'warn', details, message }),
  };
}

function expectSameData(a: FashionMnist, b: FashionMnist): void {
  expect(Buffer.from(a.train.images).equals(Buffer.from(b.train.images))).toBe(true);
  expect(Buffer.from(a.test.images).equals(Buffer.from(b.test.images))).toBe(true);
  expect(a.train.labels).toEqual(b.train.labels);
  expect(a.test.labels).toEqual(b.test.labels);
  expect(a.droppedRecords).toBe(b.droppedRecords);
}

describe('loadFashionMnist from the embedded package, through the IDX cache', () => {
  let root = '';
  let cleanup: () => Promise<void> = async () => undefined;
  let packageDir = '';
  let dataDir = '';
  let cacheDir = '';
  const load = (logger?: DataLogger) =>
    loadFashionMnistDetailed({ dataDir, embeddedPackageDir: packageDir, logger }, TEST_PER_CLASS);

  beforeEach(async () => {
    ({ dir: root, cleanup } = await makeTempDir('load'));
    packageDir = join(root, 'fashion-mnist');
    dataDir = join(root, 'data');
    cacheDir = join(dataDir, CACHE_DIR_NAME);
    // Class 0 has an empty record at index 3 (the real package has one at 1000).
    await writeFakePackage(packageDir, PER_CLASS, (label, records) => {
      if (label === 0) records.splice(3, 0, []);
    });
  });
  afterEach(async () => cleanup());

  it('converts once into IDX files and a manifest, then reads the cache', async () => {
    const firstLog = recordingLogger();
    const first = await load(firstLog);
    expect(first.cache).toBe('built');
    expect(first.dataset.source).toBe('embedded');
    expect(first.dataset.droppedRecords).toBe(1);
    expect(first.dataset.train.count).toBe((PER_CLASS - TEST_PER_CLASS) * NUM_CLASSES);
    expect(first.dataset.test.count).toBe(TEST_PER_CLASS * NUM_CLASSES);
    expect(firstLog.entries.at(-1)?.message).toBe(
      'fashion-mnist: loaded embedded data and built the IDX cache',
    );
    expect(firstLog.entries.some((e) => e.level === 'warn' && 'index' in e.details)).toBe(true);

    expect((await readdir(cacheDir)).sort()).toEqual(
      [MANIFEST_FILE, ...Object.values(IDX_FILES)].sort(),
    );
    const trainImages = await readIdxFile(join(cacheDir, IDX_FILES.trainImages));
    expect(trainImages.dims).toEqual([first.dataset.train.count, 28, 28]);
    const manifest = JSON.parse(
      await readFile(join(cacheDir, MANIFEST_FILE), 'utf8'),
    ) as CacheManifest;
    expect(manifest).toMatchObject({
      formatVersion: 1,
      source: 'embedded',
      packageVersion: '0.0.0-fake',
      testPerClass: TEST_PER_CLASS,
      train: { count: first.dataset.train.count },
      test: { count: first.dataset.test.count },
      droppedRecords: 1,
      dropped: [{ label: 0, index: 3, reason: 'empty record' }],
    });
    expect(manifest.files[IDX_FILES.testLabels]).toBe(idxByteLength([first.dataset.test.count]));

    // The package is gone: a second load can only succeed from the cache.
    await rm(packageDir, { recursive: true });
    await writeFakePackage(packageDir, 0);
    const secondLog = recordingLogger();
    const second = await load(secondLog);
    expect(second.cache).toBe('hit');
    expect(secondLog.entries.map((e) => e.message)).toEqual([
      'fashion-mnist: loaded embedded data from the IDX cache',
    ]);
    expectSameData(second.dataset, first.dataset);
  });

  it('puts the right images in the right sets', async () => {
    const { train, test } = (await load()).dataset;
    const image = (set: { images: Uint8Array }, i: number) =>
      Array.from(set.images.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS));
    expect(image(test, 0)).toEqual(fakeImage(0, 0));
    expect(image(test, 1)).toEqual(fakeImage(0, 1));
    // Class 0's empty record sits between fake images 2 and 3 and is skipped.
    expect([0, 1, 2].map((i) => image(train, i))).toEqual([2, 3, 4].map((k) => fakeImage(0, k)));
    expect(image(train, 5)).toEqual(fakeImage(1, 2));
    expect(image(train, train.count - 1)).toEqual(fakeImage(9, PER_CLASS - 1));
  });

  it('rejects the default 1,000 test images per class on a package too small for it', async () => {
    await expect(loadFashionMnist({ dataDir, embeddedPackageDir: packageDir })).rejects.toThrow(
      /class 0 has only 7 valid records of 8; needs more than 1000/,
    );
  });

  it('survives concurrent loads into an empty cache', async () => {
    const results = await Promise.all(Array.from({ length: 4 }, () => load()));
    for (const result of results) expectSameData(result.dataset, results[0]!.dataset);
    expect(results.every((r) => r.cache === 'built')).toBe(true);
    // No temp files left, and the cache is complete and consistent.
    expect((await readdir(cacheDir)).sort()).toEqual(
      [MANIFEST_FILE, ...Object.values(IDX_FILES)].sort(),
    );
    const after = await load();
    expect(after.cache).toBe('hit');
    expectSameData(after.dataset, results[0]!.dataset);
  });

  it('survives a load racing a rebuild of a damaged cache', async () => {
    const original = await load();
    await truncate(join(cacheDir, IDX_FILES.trainImages), 100);
    const results = await Promise.all([load(), load(), load()]);
    for (const result of results) {
      expect(result.cache).toBe('rebuilt');
      expectSameData(result.dataset, original.dataset);
    }
    expect((await load()).cache).toBe('hit');
  });

  it('returns correct data to loaders that keep rebuilding the cache under each other', async () => {
    // Loaders wanting 2 and 3 test images per class each find the other's cache stale and
    // rewrite it, so every read may meet files renamed in mid-load.
    const loadWith = (testPerClass: number) =>
      loadFashionMnistDetailed({ dataDir, embeddedPackageDir: packageDir }, testPerClass);
    const reference = await Promise.all(
      [2, 3].map(async (testPerClass) => {
        const other = join(root, `reference-${testPerClass}`);
        return (
          await loadFashionMnistDetailed(
            { dataDir: other, embeddedPackageDir: packageDir },
            testPerClass,
          )
        ).dataset;
      }),
    );
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all([2, 3, 2, 3, 2, 3].map(loadWith));
      results.forEach((result, i) => expectSameData(result.dataset, reference[i % 2]!));
    }
    expect((await readdir(cacheDir)).sort()).toEqual(
      [MANIFEST_FILE, ...Object.values(IDX_FILES)].sort(),
    );
  });

  it('detects a truncated cache file and rebuilds it', async () => {
    const original = await load();
    const path = join(cacheDir, IDX_FILES.trainImages);
    const size = (await stat(path)).size;
    await truncate(path, size - 5);
    const logger = recordingLogger();
    const reloaded = await load(logger);
    expect(reloaded.cache).toBe('rebuilt');
    const warning = logger.entries.find((e) => e.message.includes('rebuilding'));
    expect(warning?.details).toMatchObject({
      reason: `${path}: size ${size - 5} bytes, manifest says ${size}`,
    });
    expectSameData(reloaded.dataset, original.dataset);
    expect((await stat(path)).size).toBe(size);
    expect((await load()).cache).toBe('hit');
  });

  it('detects a damaged header of the right size and rebuilds', async () => {
    await load();
    const path = join(cacheDir, IDX_FILES.testLabels);
    const bytes = await readFile(path);
    bytes[2] = 0x0d; // claims float data
    await writeFile(path, bytes);
    const logger = recordingLogger();
    expect((await load(logger)).cache).toBe('rebuilt');
    expect(JSON.stringify(logger.entries)).toContain('unsupported IDX data type 0x0d');
  });

  it('detects labels that are not class ids and rebuilds', async () => {
    await load();
    const path = join(cacheDir, IDX_FILES.trainLabels);
    const bytes = await readFile(path);
    bytes[bytes.length - 1] = 200;
    await writeFile(path, bytes);
    const logger = recordingLogger();
    expect((await load(logger)).cache).toBe('rebuilt');
    expect(JSON.stringify(logger.entries)).toContain('label 200 at index');
  });

  it('rebuilds after a crash that left files but no manifest', async () => {
    const original = await load();
    await rm(join(cacheDir, MANIFEST_FILE));
    const reloaded = await load();
    expect(reloaded.cache).toBe('built');
    expectSameData(reloaded.dataset, original.dataset);
  });

  it('rebuilds when the manifest is garbage, missing fields, or from another build', async () => {
    await load();
    const manifestPath = join(cacheDir, MANIFEST_FILE);
    const good = await readFile(manifestPath, 'utf8');
    const variants = [
      '{"formatVersion": 1',
      '{"formatVersion": 1}',
      good.replace('"packageVersion": "0.0.0-fake"', '"packageVersion": "9.9.9"'),
      good.replace('"formatVersion": 1', '"formatVersion": 0'),
    ];
    for (const text of variants) {
      await writeFile(manifestPath, text);
      expect((await load()).cache).toBe('rebuilt');
      expect(await readFile(manifestPath, 'utf8')).toContain('"packageVersion": "0.0.0-fake"');
    }
  });

  it('rebuilds when a cache file is missing', async () => {
    await load();
    await rm(join(cacheDir, IDX_FILES.testImages));
    expect((await load()).cache).toBe('rebuilt');
    expect((await load()).cache).toBe('hit');
  });

  it('uses the official files instead when officialDir is given', async () => {
    const options: LoadFashionMnistOptions = { dataDir, officialDir: join(root, 'nowhere') };
    await expect(loadFashionMnist(options)).rejects.toThrow(/train-images-idx3-ubyte: missing/);
    await expect(readdir(dataDir)).rejects.toThrow(/ENOENT/);
  });
});
