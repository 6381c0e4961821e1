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
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArtifactNotFoundError, InvalidArtifactPathError } from './errors.js';
import { describeArtifactStoreConformance } from './artifact-store-conformance.test-helper.js';
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

// The store-agnostic cases, on this file's fresh sandbox.
describeArtifactStoreConformance('LocalArtifactStore', async () => ({
  store,
  reportsEtags: false,
  storedNames: async (below = '') =>
    existsSync(join(root, below)) ? allNames(join(root, below)) : [],
  dispose: async () => {},
}));

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

  it('removeJob deletes the job directory itself', async () => {
    const job = store.job('job-1');
    await job.write('model/model.json', '{}');
    await store.removeJob('job-1');
    expect(existsSync(join(root, 'job-1'))).toBe(false);
    expect(existsSync(root)).toBe(true);
  });
});

describe('LocalArtifactStore atomic writes', () => {
  // Not in the conformance suite: s3rver, the S3 test server, writes objects in place (truncate,
  // then write), so only a store backed by the file system can show this here.
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
