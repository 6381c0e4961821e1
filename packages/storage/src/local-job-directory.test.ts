import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArtifactNotFoundError, InvalidArtifactPathError } from './errors.js';
import { INVALID_PATHS } from './invalid-inputs.test-helper.js';
import { createLocalJobArtifacts } from './local-job-directory.js';

let sandbox: string;
beforeEach(async () => {
  sandbox = await mkdtemp(join(tmpdir(), 'convoy-out-'));
});
afterEach(() => rm(sandbox, { recursive: true, force: true }));

describe('createLocalJobArtifacts', () => {
  it('names the job after the directory and creates it on the first write', async () => {
    const out = join(sandbox, 'runs', 'demo');
    const job = createLocalJobArtifacts(out);
    expect(job.jobId).toBe('demo');
    expect(existsSync(out)).toBe(false);
    expect(await job.list()).toEqual([]);
    await expect(job.read('history.json')).rejects.toBeInstanceOf(ArtifactNotFoundError);

    await job.write('history.json', '[]');
    await job.write('model/model.json', '{}');
    expect(await readFile(join(out, 'model', 'model.json'), 'utf8')).toBe('{}');
    expect((await job.list()).map((entry) => entry.path)).toEqual([
      'history.json',
      'model/model.json',
    ]);
    const { stream, info } = await job.open('history.json');
    expect(info.size).toBe(2);
    expect((await buffer(stream)).toString()).toBe('[]');
    await job.remove('model');
    expect(await readdir(out)).toEqual(['history.json']);
  });

  it('accepts a relative directory and one whose name is not a job id', async () => {
    const job = createLocalJobArtifacts(join(sandbox, 'My Run (2)'));
    expect(job.jobId).toBe('My Run (2)');
    await job.write('params.json', '{}');
    expect(await readdir(join(sandbox, 'My Run (2)'))).toEqual(['params.json']);
    expect(createLocalJobArtifacts('var/demo').jobId).toBe('demo');
  });

  it('follows a link to the directory itself (the user chose it)', async () => {
    const real = join(sandbox, 'real');
    await mkdir(real);
    await symlink(real, join(sandbox, 'out'));
    const job = createLocalJobArtifacts(join(sandbox, 'out'));
    await job.write('summary.json', '{}');
    expect(await readdir(real)).toEqual(['summary.json']);
    expect((await job.read('summary.json')).toString()).toBe('{}');
  });

  it('refuses links inside the directory that lead out of it', async () => {
    const out = join(sandbox, 'out');
    const outside = join(sandbox, 'outside');
    await mkdir(out);
    await mkdir(outside);
    await writeFile(join(outside, 'secret.txt'), 'top secret');
    await symlink(join(outside, 'secret.txt'), join(out, 'leak.txt'));
    await symlink(outside, join(out, 'escape'));
    const job = createLocalJobArtifacts(out);
    await expect(job.read('leak.txt')).rejects.toBeInstanceOf(InvalidArtifactPathError);
    await expect(job.read('escape/secret.txt')).rejects.toBeInstanceOf(InvalidArtifactPathError);
    await expect(job.write('escape/x.txt', 'x')).rejects.toBeInstanceOf(InvalidArtifactPathError);
    expect(await readdir(outside)).toEqual(['secret.txt']);
  });

  it.each(INVALID_PATHS.map((path) => [path]))('rejects the path %j', async (path) => {
    const job = createLocalJobArtifacts(join(sandbox, 'out'));
    await expect(job.write(path, 'x')).rejects.toBeInstanceOf(InvalidArtifactPathError);
    await expect(job.read(path)).rejects.toBeInstanceOf(InvalidArtifactPathError);
    await expect(job.remove(path)).rejects.toBeInstanceOf(InvalidArtifactPathError);
    expect(await readdir(sandbox)).toEqual([]);
  });
});
