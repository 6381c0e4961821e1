import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSourceError } from './errors.js';
import { readImageSetFiles } from './idx-image-set.js';
import { IDX_FILES } from './source-data.js';
import type { SourceData } from './source-data.js';

/**
 * Reads the official Fashion-MNIST IDX files (gzipped or not) from `dir`: the official
 * 60,000 / 10,000 train/test split.
 */
export async function readOfficialSource(dir: string): Promise<SourceData> {
  const found = await Promise.allSettled(
    [IDX_FILES.trainImages, IDX_FILES.trainLabels, IDX_FILES.testImages, IDX_FILES.testLabels].map(
      (name) => findIdxFile(dir, name),
    ),
  );
  // The first missing file in this order, whichever lookup finished first: the same error each run.
  const [trainImages, trainLabels, testImages, testLabels] = found.map((result) => {
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  }) as [string, string, string, string];
  const [train, test] = await Promise.all([
    readImageSetFiles(trainImages, trainLabels),
    readImageSetFiles(testImages, testLabels),
  ]);
  return { train, test, dropped: [] };
}

/** `<dir>/<name>.gz`, else `<dir>/<name>`. */
async function findIdxFile(dir: string, name: string): Promise<string> {
  for (const candidate of [join(dir, `${name}.gz`), join(dir, name)]) {
    if (await exists(candidate)) return candidate;
  }
  throw new DataSourceError(
    `${join(dir, name)}: missing: neither ${name}.gz nor ${name} is in ${dir}`,
    {
      file: join(dir, `${name}.gz`),
    },
  );
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
