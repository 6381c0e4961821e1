import { basename, resolve } from 'node:path';
import type { JobArtifacts } from './artifact-store.js';
import { DirectoryJobArtifacts } from './directory-job-artifacts.js';

/**
 * The artifacts of one job in a plain directory outside any store (the CLI's `--out DIR`),
 * created on the first write. `jobId` is the directory's name and is not checked (any directory
 * the user picks will do); artifact paths follow the same rules as in LocalArtifactStore, and no
 * path may lead out of `directory` through a symbolic link.
 */
export function createLocalJobArtifacts(directory: string): JobArtifacts {
  const absolute = resolve(directory);
  return new DirectoryJobArtifacts(basename(absolute), absolute, '');
}
