import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ArtifactStore, JobArtifacts } from './artifact-store.js';
import { assertValidJobId } from './artifact-path.js';
import { DirectoryJobArtifacts } from './directory-job-artifacts.js';

/**
 * The default artifact store: one directory per job below `rootDirectory` (`ARTIFACTS_DIR`),
 * created on the first write. Job ids must be safe directory names (`[A-Za-z0-9][A-Za-z0-9._-]*`,
 * at most 128 characters); artifact paths are relative, `/`-separated and checked, and no path —
 * even through a symbolic link placed in a job directory — reaches outside that job's directory.
 */
export class LocalArtifactStore implements ArtifactStore {
  readonly rootDirectory: string;

  constructor(rootDirectory: string) {
    this.rootDirectory = resolve(rootDirectory);
  }

  /** @throws InvalidArtifactPathError for ids that are not safe directory names */
  job(jobId: string): JobArtifacts {
    assertValidJobId(jobId);
    return new DirectoryJobArtifacts(jobId, this.rootDirectory, jobId);
  }

  /** Nothing to release: files are opened per operation. */
  close(): void {}

  /** Deletes the job's directory and everything in it; an absent job is fine. */
  async removeJob(jobId: string): Promise<void> {
    assertValidJobId(jobId);
    // rm() deletes a symbolic link in place of the job directory, never what it points to.
    await rm(join(this.rootDirectory, jobId), { recursive: true, force: true });
  }
}
