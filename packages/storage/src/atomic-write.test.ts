import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-write.js';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'convoy-atomic-'));
});
afterEach(() => rm(directory, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('writes a new file and replaces an old one', async () => {
    await writeFileAtomic(directory, 'a.json', Buffer.from('one'));
    await writeFileAtomic(directory, 'a.json', Buffer.from('two'));
    expect(await readFile(join(directory, 'a.json'), 'utf8')).toBe('two');
    expect(await readdir(directory)).toEqual(['a.json']);
  });

  it('removes its temp file when the rename fails', async () => {
    await mkdir(join(directory, 'taken'));
    await writeFile(join(directory, 'taken', 'inside'), 'x');
    await expect(writeFileAtomic(directory, 'taken', Buffer.from('x'))).rejects.toThrow();
    expect(await readdir(directory)).toEqual(['taken']);
  });

  it('fails without leaving anything when the directory is missing', async () => {
    await expect(
      writeFileAtomic(join(directory, 'missing'), 'a', Buffer.from('x')),
    ).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(directory)).toEqual([]);
  });
});
