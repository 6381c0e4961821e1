import { buffer } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactInfo, ArtifactStore } from './artifact-store.js';
import { ArtifactNotFoundError, InvalidArtifactPathError } from './errors.js';
import { INVALID_JOB_IDS, INVALID_PATHS } from './invalid-inputs.test-helper.js';

/** A store under test, with a view of what its backend holds that does not go through the store. */
export interface ConformanceBackend {
  readonly store: ArtifactStore;
  /**
   * Every name the backend holds below `below` (default: the store's root), sorted: each file,
   * temp files included, and each directory on the way to one (on S3, each key's parent prefixes).
   */
  storedNames(below?: string): Promise<string[]>;
  /** Whether the store reports an `etag` in ArtifactInfo. */
  readonly reportsEtags: boolean;
  dispose(): Promise<void>;
}

/**
 * What every ArtifactStore must do, whatever keeps the bytes: run with `describeArtifactStoreConformance`
 * from each store's test file, with a fresh, empty backend for each test.
 */
export function describeArtifactStoreConformance(
  name: string,
  createBackend: () => Promise<ConformanceBackend>,
): void {
  describe(name, () => {
    let backend: ConformanceBackend;
    let store: ArtifactStore;

    beforeEach(async () => {
      backend = await createBackend();
      store = backend.store;
    });
    afterEach(() => backend.dispose());

    /** ArtifactInfo as the store must report it, etag where it has them. */
    const infoOf = (path: string, size: number) => ({
      path,
      size,
      modified: expect.any(Date),
      ...(backend.reportsEtags ? { etag: expect.any(String) } : {}),
    });
    const pathsOf = (infos: ArtifactInfo[]) => infos.map((entry) => entry.path);

    describe('round trips', () => {
      it('treats an unknown job as empty', async () => {
        const job = store.job('job-1');
        expect(await job.list()).toEqual([]);
        expect(await job.list('model')).toEqual([]);
        expect(await job.stat('params.json')).toBeNull();
        await expect(job.read('params.json')).rejects.toBeInstanceOf(ArtifactNotFoundError);
        await store.removeJob('job-1');
        await job.remove('params.json');
        expect(await backend.storedNames()).toEqual([]);

        await job.write('params.json', '{"epochs":10}');
        expect((await job.read('params.json')).toString('utf8')).toBe('{"epochs":10}');
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
        expect(info).toEqual(infoOf('model/group1-shard1of1.bin', 5));
        // S3 keeps whole seconds: a write in this second may show the second's start.
        expect(info?.modified.getTime()).toBeGreaterThanOrEqual(before - 1000);

        expect(pathsOf(await job.list())).toEqual([
          'a/b/c/d/e/f/g/h',
          'model/group1-shard1of1.bin',
          'model/model.json',
          'params.json',
        ]);
        expect(await job.list('model')).toEqual([
          infoOf('model/group1-shard1of1.bin', 5),
          infoOf('model/model.json', 25),
        ]);
        expect(await job.list('params.json')).toEqual([infoOf('params.json', 13)]);
        expect(await job.list('nothing/here')).toEqual([]);
        expect(store.job('job-1').jobId).toBe('job-1');
      });

      it('keeps jobs apart', async () => {
        await store.job('job-1').write('history.json', '[1]');
        await store.job('job-2').write('history.json', '[2]');
        // A job id that extends another's is still another job.
        await store.job('job-10').write('history.json', '[10]');
        expect((await store.job('job-1').read('history.json')).toString()).toBe('[1]');
        expect((await store.job('job-2').read('history.json')).toString()).toBe('[2]');
        await store.removeJob('job-1');
        expect(await store.job('job-1').list()).toEqual([]);
        expect(pathsOf(await store.job('job-2').list())).toEqual(['history.json']);
        expect(pathsOf(await store.job('job-10').list())).toEqual(['history.json']);
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
        expect(info).toEqual(infoOf('checkpoint/weights.bin', 300_000));
        expect((await buffer(stream)).equals(bytes)).toBe(true);
      });

      it("opens a byte range, with the whole file's info", async () => {
        const job = store.job('job-1');
        const bytes = Buffer.from(Array.from({ length: 1000 }, (_, index) => index % 251));
        await job.write('model/weights.bin', bytes);
        const { stream, info } = await job.open('model/weights.bin', { start: 10, end: 19 });
        expect(info).toEqual(infoOf('model/weights.bin', 1000));
        expect((await buffer(stream)).equals(bytes.subarray(10, 20))).toBe(true);
        const last = await job.open('model/weights.bin', { start: 999, end: 999 });
        expect([...(await buffer(last.stream))]).toEqual([bytes[999]]);
      });

      it('removes files and whole directories; absent paths are fine', async () => {
        const job = store.job('job-1');
        await job.write('model/model.json', '{}');
        await job.write('model/weights.bin', 'w');
        await job.write('model-old/weights.bin', 'w');
        await job.write('checkpoint/state.json', '{}');
        await job.write('params.json', '{}');

        await job.remove('params.json');
        expect(await job.stat('params.json')).toBeNull();
        await job.remove('model');
        expect(pathsOf(await job.list())).toEqual([
          'checkpoint/state.json',
          'model-old/weights.bin',
        ]);
        await job.remove('model');
        await job.remove('never/was/here');
        await job.remove('checkpoint/state.json/below-a-file');

        await store.removeJob('job-1');
        expect(await backend.storedNames()).toEqual([]);
        await store.removeJob('job-1');
      });
    });

    describe('not found', () => {
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
        expect(await backend.storedNames('job-1')).toEqual(['model', 'model/model.json']);
      });
    });

    describe('writes', () => {
      it('leaves nothing behind but the files written', async () => {
        const job = store.job('job-1');
        for (let index = 0; index < 5; index += 1) await job.write(`model/file-${index}`, 'x');
        await job.write('model/file-0', 'again');
        await expect(job.write('model', 'x')).rejects.toThrow();
        expect(await backend.storedNames('job-1')).toEqual([
          'model',
          ...[0, 1, 2, 3, 4].map((index) => `model/file-${index}`),
        ]);
      });

      it('creates shared parent directories under concurrent writes', async () => {
        const job = store.job('job-1');
        const paths = Array.from({ length: 24 }, (_, index) => `a/b/c/file-${index}.json`);
        await Promise.all(paths.map((path) => job.write(path, path)));
        expect(pathsOf(await job.list('a/b/c'))).toEqual([...paths].sort());
        for (const path of paths) expect((await job.read(path)).toString()).toBe(path);
      });
    });

    describe('listing', () => {
      it('sorts by path, code unit order', async () => {
        const job = store.job('job-1');
        for (const path of ['b', 'B', 'a/z', 'a-b', 'a.b', '_x', '0']) await job.write(path, path);
        expect(pathsOf(await job.list())).toEqual(['0', 'B', '_x', 'a-b', 'a.b', 'a/z', 'b']);
      });
    });

    describe('invalid paths and ids', () => {
      it.each(INVALID_PATHS.map((path) => [path]))(
        'rejects the path %j everywhere',
        async (path) => {
          const job = store.job('job-1');
          await job.write('params.json', '{}');
          await expect(job.write(path, 'x')).rejects.toBeInstanceOf(InvalidArtifactPathError);
          await expect(job.read(path)).rejects.toBeInstanceOf(InvalidArtifactPathError);
          await expect(job.open(path)).rejects.toBeInstanceOf(InvalidArtifactPathError);
          await expect(job.stat(path)).rejects.toBeInstanceOf(InvalidArtifactPathError);
          await expect(job.list(path)).rejects.toBeInstanceOf(InvalidArtifactPathError);
          await expect(job.remove(path)).rejects.toBeInstanceOf(InvalidArtifactPathError);
          // Nothing was written or removed anywhere.
          expect(await backend.storedNames()).toEqual(['job-1', 'job-1/params.json']);
        },
      );

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
  });
}
