import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TEMP_FILE_PREFIX } from './artifact-path.js';

/**
 * Writes `data` (bytes, or chunks written one after another) to `directory/name` so that readers
 * see the old file or the complete new one,
 * never a mix: the bytes go to a uniquely named temp file in the same directory (same file
 * system, so the rename is atomic), are flushed, then renamed over the name. Concurrent writers
 * each use their own temp file; the last rename wins. A failed write leaves no temp file behind.
 *
 * `directory` must already be a real path (no symbolic links): the caller checked it.
 */
export async function writeFileAtomic(
  directory: string,
  name: string,
  data: Uint8Array | readonly Uint8Array[],
): Promise<void> {
  const tempPath = join(
    directory,
    `${TEMP_FILE_PREFIX}${process.pid}-${randomBytes(8).toString('hex')}.tmp`,
  );
  try {
    // 'wx' = O_CREAT | O_EXCL: never opens an existing file or follows a symbolic link.
    const handle = await open(tempPath, 'wx');
    try {
      for (const chunk of data instanceof Uint8Array ? [data] : data) await handle.write(chunk);
      // Flush before the rename, so a crash cannot leave a complete-looking name on partial data.
      await handle.sync();
    } finally {
      await handle.close();
    }
    // rename() replaces a symbolic link at the destination rather than following it.
    await rename(tempPath, join(directory, name));
  } catch (error) {
    await rm(tempPath, { force: true });
    throw error;
  }
  await syncDirectory(directory);
}

/** Makes the rename itself durable. Best effort: not every platform can fsync a directory. */
async function syncDirectory(directory: string): Promise<void> {
  try {
    const handle = await open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // The data is written and renamed; only durability across a power loss is weaker.
  }
}
