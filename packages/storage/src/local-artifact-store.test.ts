import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  readlink,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArtifactNotFoundError, InvalidArtifactPathError } from './errors.js';
import { INVALID_JOB_IDS, INVALID_PATHS } from './invalid-inputs.test-helper.js';
import { LocalArtifactStore } from './local-artifact-store.js';

let sandbox: string;
let root: string;
let store: LocalArtifactStore;

beforeEach(async () => {
  sandbox = await mkdtemp(join(tmpdir(), 'convoy-storage-'));
  root = join(sandbox, 'artifacts');
  store = new LocalArtifactStore(root);
});
afterEach(() => rm(sandbox, { recursive: true, force: true }));

/** Every name below `directory`, recursively, as the file system has it (temp files included). */
async function allNames(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true });
  return entries.map(String).sort();
}

describe('LocalArtifactStore round trips', () => {
  it('creates the root lazily, on the first write', async () => {
    const job = store.job('job-1');
    expect(existsSync(root)).toBe(false);
    expect(await job.list()).toEqual([]);
    expect(await job.stat('params.json')).toBeNull();
    await expect(job.read('params.json')).rejects.toBeInstanceOf(ArtifactNotFoundError);
    await store.removeJob('job-1');
    await job.remove('params.json');
    expect(existsSync(root)).toBe(false);

    await job.write('params.json', '{"epochs":10}');
    expect(await readFile(join(root, 'job-1', 'params.json'), 'utf8')).toBe('{"epochs":10}');
  });

  it('writes, reads, stats and lists strings and bytes, nested paths included', async () => {
    const job = store.job('job-1');
    const weights = new Uint8Array([0, 1, 2, 250, 255]);
    const before = Date.now();
    await job.write('params.json', '{"epochs":10}');
    await job.write('model/model.json', '{"format":"layers-model"}');
    await job.write('model/group1-shard1of1.bin', weights);
    await job.write('a/b/c/d/e/f/g/h', 'deep');

    expect((await job.read('params.json')).toString('utf8')).toBe('{"epochs":10}');
    expect(new Uint8Array(await job.read('model/group1-shard1of1.bin'))).toEqual(weights);
    expect((await job.read('a/b/c/d/e/f/g/h')).toString()).toBe('deep');

    const info = await job.stat('model/group1-shard1of1.bin');
    expect(info).toEqual({
      path: 'model/group1-shard1of1.bin',
      size: 5,
      modified: expect.any(Date),
    });
    expect(info?.modified.getTime()).toBeGreaterThanOrEqual(before - 1000);

    expect((await job.list()).map((entry) => entry.path)).toEqual([
      'a/b/c/d/e/f/g/h',
      'model/group1-shard1of1.bin',
      'model/model.json',
      'params.json',
    ]);
    expect(await job.list('model')).toEqual([
      { path: 'model/group1-shard1of1.bin', size: 5, modified: expect.any(Date) },
      { path: 'model/model.json', size: 25, modified: expect.any(Date) },
    ]);
    expect(await job.list('params.json')).toEqual([
      { path: 'params.json', size: 13, modified: expect.any(Date) },
    ]);
    expect(await job.list('nothing/here')).toEqual([]);
    expect(store.job('job-1').jobId).toBe('job-1');
  });

  it('keeps jobs apart', async () => {
    await store.job('job-1').write('history.json', '[1]');
    await store.job('job-2').write('history.json', '[2]');
    expect((await store.job('job-1').read('history.json')).toString()).toBe('[1]');
    expect((await store.job('job-2').read('history.json')).toString()).toBe('[2]');
    await store.removeJob('job-1');
    expect(await store.job('job-1').list()).toEqual([]);
    expect((await store.job('job-2').list()).map((entry) => entry.path)).toEqual(['history.json']);
  });

  it('overwrites a file with new contents', async () => {
    const job = store.job('7');
    await job.write('summary.json', 'a much longer first version');
    await job.write('summary.json', 'short');
    expect((await job.read('summary.json')).toString()).toBe('short');
    expect((await job.stat('summary.json'))?.size).toBe(5);
  });

  it('opens a stream with the file info', async () => {
    const job = store.job('job-1');
    const bytes = Buffer.alloc(300_000, 7);
    await job.write('checkpoint/weights.bin', bytes);
    const { stream, info } = await job.open('checkpoint/weights.bin');
    expect(info).toEqual({
      path: 'checkpoint/weights.bin',
      size: 300_000,
      modified: expect.any(Date),
    });
    expect((await buffer(stream)).equals(bytes)).toBe(true);
  });

  it('removes files and whole directories; absent paths are fine', async () => {
    const job = store.job('job-1');
    await job.write('model/model.json', '{}');
    await job.write('model/weights.bin', 'w');
    await job.write('checkpoint/state.json', '{}');
    await job.write('params.json', '{}');

    await job.remove('params.json');
    expect(await job.stat('params.json')).toBeNull();
    await job.remove('model');
    expect((await job.list()).map((entry) => entry.path)).toEqual(['checkpoint/state.json']);
    await job.remove('model');
    await job.remove('never/was/here');
    await job.remove('checkpoint/state.json/below-a-file');

    await store.removeJob('job-1');
    expect(existsSync(join(root, 'job-1'))).toBe(false);
    await store.removeJob('job-1');
  });
});

describe('LocalArtifactStore not found', () => {
  it('throws ArtifactNotFoundError for missing files, directories and paths below files', async () => {
    const job = store.job('job-1');
    await job.write('model/model.json', '{}');
    for (const path of ['missing.json', 'model', 'model/model.json/x', 'other/model.json']) {
      await expect(job.read(path)).rejects.toBeInstanceOf(ArtifactNotFoundError);
      await expect(job.open(path)).rejects.toBeInstanceOf(ArtifactNotFoundError);
      expect(await job.stat(path)).toBeNull();
    }
    const error = await job.read('missing.json').catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'ARTIFACT_NOT_FOUND',
      jobId: 'job-1',
      path: 'missing.json',
    });
    await expect(store.job('job-2').read('model/model.json')).rejects.toBeInstanceOf(
      ArtifactNotFoundError,
    );
  });

  it('refuses to write over a directory or below a file', async () => {
    const job = store.job('job-1');
    await job.write('model/model.json', '{}');
    await expect(job.write('model', 'x')).rejects.toBeInstanceOf(InvalidArtifactPathError);
    await expect(job.write('model/model.json/x', 'x')).rejects.toBeInstanceOf(
      InvalidArtifactPathError,
    );
    await expect(job.write('model/model.json/x/y', 'x')).rejects.toBeInstanceOf(
      InvalidArtifactPathError,
    );
    expect(await allNames(join(root, 'job-1'))).toEqual(['model', 'model/model.json']);
  });
});

describe('LocalArtifactStore atomic writes', () => {
  it('leaves no temp files behind', async () => {
    const job = store.job('job-1');
    for (let index = 0; index < 5; index += 1) await job.write(`model/file-${index}`, 'x');
    await job.write('model/file-0', 'again');
    await expect(job.write('model', 'x')).rejects.toThrow();
    expect(await allNames(join(root, 'job-1'))).toEqual([
      'model',
      ...[0, 1, 2, 3, 4].map((index) => `model/file-${index}`),
    ]);
  });

  it('ends concurrent writes of one path with one complete version, and readers see only complete versions', async () => {
    const job = store.job('job-1');
    const size = 512 * 1024;
    const versions = Array.from({ length: 16 }, (_, index) => Buffer.alloc(size, index + 1));
    await job.write('model/weights.bin', Buffer.alloc(size, 0));

    let writing = true;
    const seen = new Set<number>();
    const reader = (async () => {
      while (writing) {
        const bytes = await job.read('model/weights.bin');
        expect(bytes.length).toBe(size);
        const first = bytes[0] ?? -1;
        expect(bytes.every((byte) => byte === first)).toBe(true);
        seen.add(first);
      }
    })();
    await Promise.all(versions.map((version) => job.write('model/weights.bin', version)));
    writing = false;
    await reader;

    const final = await job.read('model/weights.bin');
    expect(final.length).toBe(size);
    expect(versions.some((version) => version.equals(final))).toBe(true);
    expect(seen.size).toBeGreaterThan(0);
    expect(await allNames(join(root, 'job-1'))).toEqual(['model', 'model/weights.bin']);
  });

  it('creates shared parent directories under concurrent writes', async () => {
    const job = store.job('job-1');
    const paths = Array.from({ length: 24 }, (_, index) => `a/b/c/file-${index}.json`);
    await Promise.all(paths.map((path) => job.write(path, path)));
    expect((await job.list('a/b/c')).map((entry) => entry.path)).toEqual([...paths].sort());
    for (const path of paths) expect((await job.read(path)).toString()).toBe(path);
  });
});

describe('LocalArtifactStore listing', () => {
  it('skips temp files, symbolic links and names no artifact path could address', async () => {
    const job = store.job('job-1');
    await job.write('model/model.json', '{}');
    const directory = join(root, 'job-1');
    await writeFile(join(directory, 'model', '~convoy-123-abcdef.tmp'), 'half');
    await writeFile(join(directory, 'bad name.txt'), 'x');
    await writeFile(join(directory, 'é.json'), 'x');
    await symlink('model/model.json', join(directory, 'alias.json'));
    await mkdir(join(directory, 'a/b/c/d/e/f/g/h'), { recursive: true });
    await writeFile(join(directory, 'a/b/c/d/e/f/g/h/too-deep'), 'x');
    expect((await job.list()).map((entry) => entry.path)).toEqual(['model/model.json']);
  });

  it('sorts by path, code unit order', async () => {
    const job = store.job('job-1');
    for (const path of ['b', 'B', 'a/z', 'a-b', 'a.b', '_x', '0']) await job.write(path, path);
    expect((await job.list()).map((entry) => entry.path)).toEqual([
      '0',
      'B',
      '_x',
      'a-b',
      'a.b',
      'a/z',
      'b',
    ]);
  });
});

describe('LocalArtifactStore invalid paths and ids', () => {
  it.each(INVALID_PATHS.map((path) => [path]))('rejects the path %j everywhere', async (path) => {
    const job = store.job('job-1');
    await job.write('params.json', '{}');
    await expect(job.write(path, 'x')).rejects.toBeInstanceOf(InvalidArtifactPathError);
    await expect(job.read(path)).rejects.toBeInstanceOf(InvalidArtifactPathError);
    await expect(job.open(path)).rejects.toBeInstanceOf(InvalidArtifactPathError);
    await expect(job.stat(path)).rejects.toBeInstanceOf(InvalidArtifactPathError);
    await expect(job.list(path)).rejects.toBeInstanceOf(InvalidArtifactPathError);
    await expect(job.remove(path)).rejects.toBeInstanceOf(InvalidArtifactPathError);
    // Nothing was written or removed anywhere.
    expect(await allNames(sandbox)).toEqual([
      'artifacts',
      'artifacts/job-1',
      'artifacts/job-1/params.json',
    ]);
  });

  it.each(INVALID_JOB_IDS.map((jobId) => [jobId]))('rejects the job id %j', async (jobId) => {
    expect(() => store.job(jobId)).toThrow(InvalidArtifactPathError);
    await expect(store.removeJob(jobId)).rejects.toBeInstanceOf(InvalidArtifactPathError);
  });

  it('reports the code the API maps to 400', () => {
    const error = (() => {
      try {
        store.job('../etc');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toMatchObject({ code: 'INVALID_ARTIFACT_PATH', path: '../etc' });
  });
});

describe('LocalArtifactStore symbolic links', () => {
  let outside: string;
  let secret: string;

  beforeEach(async () => {
    outside = join(sandbox, 'outside');
    secret = join(outside, 'secret.txt');
    await mkdir(outside);
    await writeFile(secret, 'top secret');
    await store.job('job-1').write('real.txt', 'inside');
  });

  it('refuses a link in a job directory that points at a file outside the root', async () => {
    const job = store.job('job-1');
    await symlink(secret, join(root, 'job-1', 'leak.txt'));
    await expect(job.read('leak.txt')).rejects.toBeInstanceOf(InvalidArtifactPathError);
    await expect(job.open('leak.txt')).rejects.toBeInstanceOf(InvalidArtifactPathError);
    await expect(job.stat('leak.txt')).rejects.toBeInstanceOf(InvalidArtifactPathError);
    await expect(job.list('leak.txt')).rejects.toBeInstanceOf(InvalidArtifactPathError);
    expect((await job.list()).map((entry) => entry.path)).toEqual(['real.txt']);

    // Writing replaces the link itself; the file it pointed at is untouched.
    await job.write('leak.txt', 'replaced');
    expect(await readFile(secret, 'utf8')).toBe('top secret');
    expect((await lstat(join(root, 'job-1', 'leak.txt'))).isFile()).toBe(true);
  });

  it('refuses a link to a directory outside the root for reads, writes and removes', async () => {
    const job = store.job('job-1');
    await symlink(outside, join(root, 'job-1', 'escape'));
    await expect(job.read('escape/secret.txt')).rejects.toBeInstanceOf(InvalidArtifactPathError);
    await expect(job.write('escape/new.txt', 'x')).rejects.toBeInstanceOf(InvalidArtifactPathError);
    await expect(job.write('escape/deeper/new.txt', 'x')).rejects.toBeInstanceOf(
      InvalidArtifactPathError,
    );
    await expect(job.remove('escape/secret.txt')).rejects.toBeInstanceOf(InvalidArtifactPathError);
    await expect(job.list('escape')).rejects.toBeInstanceOf(InvalidArtifactPathError);
    expect(await allNames(outside)).toEqual(['secret.txt']);
    expect(await readFile(secret, 'utf8')).toBe('top secret');

    // Removing the link removes the link, not the directory it points at.
    await job.remove('escape');
    expect(existsSync(join(root, 'job-1', 'escape'))).toBe(false);
    expect(await readFile(secret, 'utf8')).toBe('top secret');
  });

  it('refuses a job directory that is itself a link, and removeJob removes only the link', async () => {
    await symlink(outside, join(root, 'job-2'));
    const job = store.job('job-2');
    await expect(job.read('secret.txt')).rejects.toBeInstanceOf(InvalidArtifactPathError);
    await expect(job.write('new.txt', 'x')).rejects.toBeInstanceOf(InvalidArtifactPathError);
    await expect(job.list()).rejects.toBeInstanceOf(InvalidArtifactPathError);
    await store.removeJob('job-2');
    expect(existsSync(join(root, 'job-2'))).toBe(false);
    expect(await allNames(outside)).toEqual(['secret.txt']);
  });

  it('refuses a link into another job', async () => {
    await store.job('job-2').write('private.json', '{}');
    await symlink(join(root, 'job-2', 'private.json'), join(root, 'job-1', 'other.json'));
    await expect(store.job('job-1').read('other.json')).rejects.toBeInstanceOf(
      InvalidArtifactPathError,
    );
  });

  it('follows a link that stays inside the job directory', async () => {
    const job = store.job('job-1');
    await symlink('real.txt', join(root, 'job-1', 'alias.txt'));
    expect((await job.read('alias.txt')).toString()).toBe('inside');
    expect(await readlink(join(root, 'job-1', 'alias.txt'))).toBe('real.txt');
  });

  it('refuses a link loop', async () => {
    await symlink('loop', join(root, 'job-1', 'loop'));
    await expect(store.job('job-1').read('loop')).rejects.toBeInstanceOf(InvalidArtifactPathError);
  });

  it('works when the root itself is reached through a link', async () => {
    const linkedRoot = join(sandbox, 'linked-artifacts');
    await symlink(root, linkedRoot);
    const linked = new LocalArtifactStore(linkedRoot);
    expect((await linked.job('job-1').read('real.txt')).toString()).toBe('inside');
    await linked.job('job-3').write('model/model.json', '{}');
    expect(await readFile(join(root, 'job-3', 'model', 'model.json'), 'utf8')).toBe('{}');
  });
});

describe('LocalArtifactStore special files', () => {
  it('does not hang on a FIFO and reports it as not found', async () => {
    await store.job('job-1').write('real.txt', 'x');
    try {
      execFileSync('mkfifo', [join(root, 'job-1', 'pipe')]);
    } catch {
      return; // no mkfifo here: nothing to test
    }
    await expect(store.job('job-1').read('pipe')).rejects.toBeInstanceOf(ArtifactNotFoundError);
    expect(await store.job('job-1').stat('pipe')).toBeNull();
    expect((await store.job('job-1').list()).map((entry) => entry.path)).toEqual(['real.txt']);
  });
});
