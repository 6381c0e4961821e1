import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataSourceError, IdxFormatError, TruncatedFileError } from './errors.js';
import { makeTempDir } from './fake-package.test-helper.js';
import { IMAGE_PIXELS } from './image-set.js';
import { writeIdxFile } from './idx.js';
import { loadFashionMnistDetailed } from './load.js';
import { readOfficialSource } from './official-source.js';
import { IDX_FILES } from './source-data.js';

const TRAIN = 30;
const TEST = 10;

const images = (count: number, seed: number): Uint8Array =>
  Uint8Array.from({ length: count * IMAGE_PIXELS }, (_, i) => (i * 13 + seed) % 256);
const labels = (count: number): Uint8Array =>
  Uint8Array.from({ length: count }, (_, i) => (i * 3) % 10);

describe('the official IDX files', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => undefined;

  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir('official'));
    // Mixed on purpose: the loader accepts each file gzipped or not.
    await writeIdxFile(join(dir, `${IDX_FILES.trainImages}.gz`), images(TRAIN, 1), [TRAIN, 28, 28]);
    await writeIdxFile(join(dir, `${IDX_FILES.trainLabels}.gz`), labels(TRAIN), [TRAIN]);
    await writeIdxFile(join(dir, IDX_FILES.testImages), images(TEST, 2), [TEST, 28, 28]);
    await writeIdxFile(join(dir, IDX_FILES.testLabels), labels(TEST), [TEST]);
  });
  afterEach(async () => cleanup());

  it('are read as the train and test sets, without touching the cache', async () => {
    const { dataset, cache } = await loadFashionMnistDetailed({
      dataDir: join(dir, 'data'),
      officialDir: dir,
    });
    expect(cache).toBe('none');
    expect(dataset.source).toBe('official');
    expect(dataset.droppedRecords).toBe(0);
    expect([dataset.train.count, dataset.test.count]).toEqual([TRAIN, TEST]);
    expect(dataset.train.images).toEqual(images(TRAIN, 1));
    expect(dataset.test.labels).toEqual(labels(TEST));
  });

  it('prefer the .gz file when both exist', async () => {
    await writeIdxFile(join(dir, IDX_FILES.trainLabels), new Uint8Array(TRAIN).fill(9), [TRAIN]);
    expect((await readOfficialSource(dir)).train.labels).toEqual(labels(TRAIN));
  });

  it('must all be there', async () => {
    await rename(join(dir, IDX_FILES.testLabels), join(dir, 'elsewhere'));
    const error: unknown = await readOfficialSource(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataSourceError);
    expect((error as Error).message).toContain(
      'neither t10k-labels-idx1-ubyte.gz nor t10k-labels-idx1-ubyte',
    );
  });

  it('must agree on the number of images and labels', async () => {
    await writeIdxFile(join(dir, IDX_FILES.testLabels), labels(TEST - 1), [TEST - 1]);
    await expect(readOfficialSource(dir)).rejects.toThrow(DataSourceError);
    await expect(readOfficialSource(dir)).rejects.toThrow(
      /has 10 images but .*t10k-labels-idx1-ubyte has 9 labels/,
    );
  });

  it('must hold 28x28 images and labels below 10', async () => {
    await writeIdxFile(join(dir, IDX_FILES.testImages), images(TEST, 2), [TEST, 14, 56]);
    await expect(readOfficialSource(dir)).rejects.toThrow(
      /t10k-images-idx3-ubyte: images are 14x56, expected 28x28/,
    );
    await writeIdxFile(join(dir, IDX_FILES.testImages), images(TEST, 2), [TEST, 28, 28]);
    await writeIdxFile(join(dir, IDX_FILES.testLabels), new Uint8Array(TEST).fill(10), [TEST]);
    await expect(readOfficialSource(dir)).rejects.toThrow(IdxFormatError);
    await expect(readOfficialSource(dir)).rejects.toThrow(/label 10 at index 0 is not a class id/);
  });

  it('must not be swapped', async () => {
    await writeIdxFile(join(dir, IDX_FILES.testImages), labels(TEST), [TEST]);
    await expect(readOfficialSource(dir)).rejects.toThrow(
      /t10k-images-idx3-ubyte: not an image file: magic 2049/,
    );
  });

  it('name the file when one is truncated', async () => {
    const path = join(dir, `${IDX_FILES.trainImages}.gz`);
    const gz = await readFile(path);
    await writeFile(path, gz.subarray(0, gz.length - 20));
    await expect(readOfficialSource(dir)).rejects.toThrow(TruncatedFileError);
    await expect(readOfficialSource(dir)).rejects.toThrow(`${path}: truncated`);
  });
});
