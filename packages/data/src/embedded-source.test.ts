import { rm, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  classFilePath,
  readEmbeddedSource,
  recordFault,
  resolveEmbeddedPackageDir,
} from './embedded-source.js';
import { DataSourceError } from './errors.js';
import { fakeImage, makeTempDir, writeFakePackage } from './fake-package.test-helper.js';
import { IMAGE_PIXELS, NUM_CLASSES } from './image-set.js';
import type { DataLogger } from './logger.js';

function recordingLogger(): DataLogger & { warnings: { details: object; message: string }[] } {
  const warnings: { details: object; message: string }[] = [];
  return {
    warnings,
    info: () => undefined,
    warn: (details, message) => warnings.push({ details, message }),
  };
}

const image = (set: { images: Uint8Array }, i: number): number[] =>
  Array.from(set.images.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS));

/** The invalid records inserted into class 3, each with the position it ends up at. */
const badRecords: unknown[] = [
  [],
  fakeImage(3, 99).slice(1),
  [...fakeImage(3, 99).slice(1), 1, 2],
  fakeImage(3, 99).map((v, i) => (i === 5 ? null : v)),
  fakeImage(3, 99).map((v, i) => (i === 6 ? 256 : v)),
  fakeImage(3, 99).map((v, i) => (i === 7 ? -1 : v)),
  fakeImage(3, 99).map((v, i) => (i === 8 ? 1.5 : v)),
  fakeImage(3, 99).map((v, i) => (i === 9 ? '7' : v)),
  null,
];

describe('readEmbeddedSource', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => undefined;
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir('embedded')));
  afterEach(async () => cleanup());

  it('drops and counts every invalid record and keeps the rest in order', async () => {
    // Class 3: valid 0, 1, then the bad records, then valid 2..5.
    await writeFakePackage(dir, 6, (label, records) => {
      if (label === 3) records.splice(2, 0, ...badRecords);
    });
    const logger = recordingLogger();
    const data = await readEmbeddedSource({ packageDir: dir, testPerClass: 2, logger });

    expect(data.dropped.map((d) => [d.label, d.index])).toEqual(
      badRecords.map((_, i) => [3, 2 + i]),
    );
    expect(data.dropped.map((d) => d.reason)).toEqual([
      'empty record',
      '783 values instead of 784',
      '785 values instead of 784',
      'value 5 is null, not an integer in 0..255',
      'value 6 is 256, not an integer in 0..255',
      'value 7 is -1, not an integer in 0..255',
      'value 8 is 1.5, not an integer in 0..255',
      'value 9 is "7", not an integer in 0..255',
      'not an array but null',
    ]);
    const perRecord = logger.warnings.filter((w) => 'index' in w.details);
    expect(perRecord.map((w) => w.details)).toEqual(data.dropped);
    expect(logger.warnings.at(-1)?.message).toContain('dropped 9 invalid records');

    expect(data.test.count).toBe(2 * NUM_CLASSES);
    expect(data.train.count).toBe(4 * NUM_CLASSES);
    expect(data.test.images.length).toBe(data.test.count * IMAGE_PIXELS);
    expect(data.train.images.length).toBe(data.train.count * IMAGE_PIXELS);
    // Ordered by class; within a class in file order, the first 2 valid records are test data.
    expect(Array.from(data.test.labels)).toEqual([
      0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9,
    ]);
    expect(Array.from(data.train.labels.subarray(12, 16))).toEqual([3, 3, 3, 3]);
    expect(image(data.test, 6)).toEqual(fakeImage(3, 0));
    expect(image(data.test, 7)).toEqual(fakeImage(3, 1));
    expect([12, 13, 14, 15].map((i) => image(data.train, i))).toEqual(
      [2, 3, 4, 5].map((k) => fakeImage(3, k)),
    );
    expect(image(data.train, data.train.count - 1)).toEqual(fakeImage(9, 5));
  });

  it('fails when a class is left with too few valid records, naming its file', async () => {
    await writeFakePackage(dir, 4, (label, records) => {
      if (label === 7) records.splice(1, 2, [], []);
    });
    const promise = readEmbeddedSource({ packageDir: dir, testPerClass: 2 });
    await expect(promise).rejects.toThrow(DataSourceError);
    await expect(promise).rejects.toThrow(
      `${classFilePath(dir, 7)}: class 7 has only 2 valid records of 4`,
    );
  });

  it('fails on a missing class file', async () => {
    await writeFakePackage(dir, 3);
    await rm(classFilePath(dir, 9));
    await expect(readEmbeddedSource({ packageDir: dir, testPerClass: 1 })).rejects.toThrow(
      new RegExp(`${classFilePath(dir, 9)}: cannot read`),
    );
  });

  it('fails on a class file that is not JSON or has no data array', async () => {
    await writeFakePackage(dir, 3);
    await writeFile(classFilePath(dir, 4), '{"data": [[1, 2');
    await expect(readEmbeddedSource({ packageDir: dir, testPerClass: 1 })).rejects.toThrow(
      /4\.json: not valid JSON/,
    );
    await writeFile(classFilePath(dir, 4), '{"images": []}');
    await expect(readEmbeddedSource({ packageDir: dir, testPerClass: 1 })).rejects.toThrow(
      /4\.json: expected \{"data"/,
    );
  });

  it('finds the installed fashion-mnist package', () => {
    expect(classFilePath(resolveEmbeddedPackageDir(), 0)).toMatch(
      /fashion-mnist[/\\]src[/\\]clothes[/\\]0\.json$/,
    );
  });
});

describe('recordFault', () => {
  it('accepts exactly 784 integers in 0..255', () => {
    expect(recordFault(fakeImage(0, 0))).toBeUndefined();
    expect(recordFault(new Array(784).fill(255))).toBeUndefined();
    expect(recordFault(new Array(784).fill(0))).toBeUndefined();
  });

  it('rejects NaN, Infinity, booleans and objects', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, true, {}, [1]]) {
      expect(recordFault(new Array(784).fill(1).fill(bad, 400, 401))).toMatch(/^value 400 is/);
    }
    expect(recordFault({ length: 784 })).toBe('not an array but object');
  });
});
