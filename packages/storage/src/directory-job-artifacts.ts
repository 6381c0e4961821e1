import { constants } from 'node:fs';
import type { Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { lstat, mkdir, open, readdir, realpath, rm } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import type { ArtifactInfo, ByteRange, JobArtifacts } from './artifact-store.js';
import {
  MAX_ARTIFACT_PATH_SEGMENTS,
  isValidArtifactPath,
  isValidSegment,
  parseArtifactPath,
} from './artifact-path.js';
import { writeFileAtomic } from './atomic-write.js';
import { ArtifactNotFoundError, InvalidArtifactPathError } from './errors.js';

/**
 * O_NOFOLLOW: the real path was checked, so a symbolic link there now is a swap made since.
 * O_NONBLOCK: opening a FIFO someone left in the directory must not hang the process (it then
 * fails the regular-file check); regular files ignore the flag.
 */
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** The deepest part of a path that exists: its lexical path and its real path. */
interface ExistingPart {
  readonly lexical: string;
  readonly real: string;
}

/**
 * A job's artifacts in a directory of the local file system.
 *
 * `trustedDirectory` is the directory the operator chose (the store's root, or the CLI's
 * `--out`); symbolic links on the way to it are followed freely. Below it, the job directory is
 * `jobSubdirectory` (the job id, or `''` when the trusted directory is the job directory), and
 * nothing below the job directory may resolve — through symbolic links or otherwise — to a place
 * outside it. Directories are created on the first write.
 */
export class DirectoryJobArtifacts implements JobArtifacts {
  readonly jobId: string;
  readonly #trustedDirectory: string;
  readonly #jobSubdirectory: string;
  readonly #jobDirectory: string;

  constructor(jobId: string, trustedDirectory: string, jobSubdirectory: string) {
    this.jobId = jobId;
    this.#trustedDirectory = resolve(trustedDirectory);
    this.#jobSubdirectory = jobSubdirectory;
    this.#jobDirectory = resolve(this.#trustedDirectory, jobSubdirectory);
  }

  async write(path: string, data: Uint8Array | string): Promise<void> {
    const target = this.#lexicalPath(path, parseArtifactPath(path));
    const directory = await this.#ensureDirectory(dirname(target), path);
    const name = basename(target);
    const existing = await lstatOrUndefined(join(directory, name));
    if (existing?.isDirectory()) throw new InvalidArtifactPathError(path, 'is a directory');
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    await writeFileAtomic(directory, name, bytes);
  }

  async read(path: string): Promise<Buffer> {
    const { handle } = await this.#openFile(path);
    try {
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  async open(path: string, range?: ByteRange): Promise<{ stream: Readable; info: ArtifactInfo }> {
    const { handle, stats } = await this.#openFile(path);
    // The stream owns the handle from here: it closes it at the end, on error or on destroy().
    return { stream: handle.createReadStream(range ?? {}), info: toInfo(path, stats) };
  }

  async stat(path: string): Promise<ArtifactInfo | null> {
    const real = await this.#resolveFile(path);
    if (real === undefined) return null;
    const stats = await lstatOrUndefined(real);
    return stats?.isFile() ? toInfo(path, stats) : null;
  }

  async list(prefix?: string): Promise<ArtifactInfo[]> {
    const segments = prefix === undefined ? [] : parseArtifactPath(prefix);
    const base = this.#lexicalPath(prefix ?? '', segments);
    const existing = await this.#resolveExisting(base, prefix ?? '');
    if (existing === undefined || existing.lexical !== base) return [];
    const stats = await lstatOrUndefined(existing.real);
    const found: ArtifactInfo[] = [];
    if (stats?.isFile() && prefix !== undefined) found.push(toInfo(prefix, stats));
    if (stats?.isDirectory()) await collectFiles(existing.real, segments, found);
    return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async remove(path: string): Promise<void> {
    const target = this.#lexicalPath(path, parseArtifactPath(path));
    const parent = await this.#resolveExisting(dirname(target), path);
    if (parent === undefined || parent.lexical !== dirname(target)) return;
    try {
      // rm() deletes a symbolic link itself, never what it points to.
      await rm(join(parent.real, basename(target)), { recursive: true, force: true });
    } catch (error) {
      if (errorCode(error) !== 'ENOTDIR') throw error;
    }
  }

  #lexicalPath(path: string, segments: readonly string[]): string {
    const target = resolve(this.#jobDirectory, ...segments);
    // Cannot fail for a parsed path; kept so that a change to the parser cannot open a hole.
    if (!isInsideOrEqual(target, this.#jobDirectory)) {
      throw new InvalidArtifactPathError(path, 'outside the job directory');
    }
    return target;
  }

  /**
   * Follows `lexical` as far as it exists and returns that part with its real path, or undefined
   * when not even the job directory exists. Throws InvalidArtifactPathError when the real path
   * is outside the job directory's real path (a symbolic link leading out of it).
   */
  async #resolveExisting(lexical: string, path: string): Promise<ExistingPart | undefined> {
    let candidate = lexical;
    while (isInsideOrEqual(candidate, this.#jobDirectory)) {
      let real: string;
      try {
        real = await realpath(candidate);
      } catch (error) {
        const code = errorCode(error);
        if (code === 'ENOENT' || code === 'ENOTDIR') {
          candidate = dirname(candidate);
          continue;
        }
        if (code === 'ELOOP') {
          throw new InvalidArtifactPathError(path, 'symbolic link loop', { cause: error });
        }
        throw error;
      }
      const realJobDirectory = join(await realpath(this.#trustedDirectory), this.#jobSubdirectory);
      if (!isInsideOrEqual(real, realJobDirectory)) {
        throw new InvalidArtifactPathError(
          path,
          'leads out of the job directory through a symbolic link',
        );
      }
      return { lexical: candidate, real };
    }
    return undefined;
  }

  /** The real path of the file `path` names, or undefined when there is none. */
  async #resolveFile(path: string): Promise<string | undefined> {
    const target = this.#lexicalPath(path, parseArtifactPath(path));
    const existing = await this.#resolveExisting(target, path);
    return existing?.lexical === target ? existing.real : undefined;
  }

  async #openFile(path: string): Promise<{ handle: FileHandle; stats: Stats }> {
    const real = await this.#resolveFile(path);
    if (real === undefined) throw new ArtifactNotFoundError(this.jobId, path);
    let handle: FileHandle;
    try {
      handle = await open(real, READ_FLAGS);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        throw new ArtifactNotFoundError(this.jobId, path, { cause: error });
      }
      if (code === 'ELOOP') {
        throw new InvalidArtifactPathError(path, 'is a symbolic link', { cause: error });
      }
      throw error;
    }
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw new ArtifactNotFoundError(this.jobId, path);
      return { handle, stats };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /**
   * Creates the directory `lexical` (and the job directory) where missing, one level at a time
   * below the deepest part that exists and was checked, so `mkdir` never walks through a link.
   * Returns its real path.
   */
  async #ensureDirectory(lexical: string, path: string): Promise<string> {
    let existing = await this.#resolveExisting(lexical, path);
    if (existing === undefined) {
      try {
        // The trusted directory and the job directory itself: created as the operator's path says.
        await mkdir(this.#jobDirectory, { recursive: true });
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw error;
      }
      existing = await this.#resolveExisting(this.#jobDirectory, path);
      if (existing === undefined) {
        throw new InvalidArtifactPathError(path, 'the job directory cannot be created');
      }
    }
    let real = existing.real;
    const missing = relative(existing.lexical, lexical).split(sep).filter(Boolean);
    for (const segment of missing) {
      real = join(real, segment);
      try {
        await mkdir(real);
      } catch (error) {
        const code = errorCode(error);
        if (code === 'ENOTDIR') {
          throw new InvalidArtifactPathError(path, 'a parent of the path is a file', {
            cause: error,
          });
        }
        // EEXIST: a concurrent write created it; the check below makes sure it is a directory.
        if (code !== 'EEXIST') throw error;
      }
      await assertDirectory(real, path);
    }
    if (missing.length === 0) await assertDirectory(real, path);
    return real;
  }
}

async function collectFiles(
  directory: string,
  segments: readonly string[],
  found: ArtifactInfo[],
): Promise<void> {
  let entries;
  try {
    entries = await readdir(directory, { withFileTypes: true });
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return; // removed while listing
    throw error;
  }
  for (const entry of entries) {
    // Temp files (`~convoy-…`) and any name an artifact path could not address are skipped;
    // symbolic links are never listed or followed.
    if (!isValidSegment(entry.name) || entry.isSymbolicLink()) continue;
    const childSegments = [...segments, entry.name];
    const childPath = childSegments.join('/');
    if (!isValidArtifactPath(childPath)) continue;
    const child = join(directory, entry.name);
    if (entry.isDirectory()) {
      if (childSegments.length < MAX_ARTIFACT_PATH_SEGMENTS) {
        await collectFiles(child, childSegments, found);
      }
    } else if (entry.isFile()) {
      const stats = await lstatOrUndefined(child);
      if (stats?.isFile()) found.push(toInfo(childPath, stats));
    }
  }
}

async function assertDirectory(real: string, path: string): Promise<void> {
  const stats = await lstatOrUndefined(real);
  if (stats === undefined) throw new InvalidArtifactPathError(path, 'a parent directory vanished');
  if (!stats.isDirectory()) {
    throw new InvalidArtifactPathError(
      path,
      stats.isSymbolicLink() ? 'a parent is a symbolic link' : 'a parent of the path is a file',
    );
  }
}

function toInfo(path: string, stats: Stats): ArtifactInfo {
  return { path, size: stats.size, modified: stats.mtime };
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

function isInsideOrEqual(path: string, directory: string): boolean {
  if (path === directory) return true;
  const prefix = directory.endsWith(sep) ? directory : directory + sep;
  return path.startsWith(prefix);
}

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}
