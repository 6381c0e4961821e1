import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IMAGE_PIXELS, NUM_CLASSES } from './image-set.js';

/** A recognisable valid image: pixel 0 is the class, pixel 1 the record index, the rest a pattern. */
export function fakeImage(label: number, index: number): number[] {
  return Array.from({ length: IMAGE_PIXELS }, (_, i) =>
    i === 0 ? label : i === 1 ? index : (i * 7 + label * 13 + index) % 256,
  );
}

/**
 * Writes a miniature `fashion-mnist` package: `perClass` valid records per class, then
 * `edit` may change a class's record list (e.g. insert invalid records).
 */
export async function writeFakePackage(
  dir: string,
  perClass: number,
  edit: (label: number, records: unknown[]) => void = () => undefined,
): Promise<string> {
  await mkdir(join(dir, 'src', 'clothes'), { recursive: true });
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'fashion-mnist', version: '0.0.0-fake' }),
  );
  for (let label = 0; label < NUM_CLASSES; label++) {
    const records: unknown[] = Array.from({ length: perClass }, (_, index) =>
      fakeImage(label, index),
    );
    edit(label, records);
    await writeFile(
      join(dir, 'src', 'clothes', `${label}.json`),
      JSON.stringify({ data: records }),
    );
  }
  return dir;
}

/** A fresh temp directory; `cleanup` removes it. */
export async function makeTempDir(
  prefix: string,
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `convoy-data-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
