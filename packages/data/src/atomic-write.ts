import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';

/**
 * Writes `chunks` to `path` so that readers see either the old file or the complete new one:
 * the bytes go to a uniquely named temp file in the same directory (same file system, so the
 * rename is atomic), are flushed, then renamed over `path`. Concurrent writers each use their
 * own temp file; the last rename wins.
 */
export async function writeFileAtomic(path: string, chunks: readonly Uint8Array[]): Promise<void> {
  const tempPath = `${path}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(tempPath, 'wx');
    try {
      for (const chunk of chunks) await handle.write(chunk);
      // Flush before the rename, so a crash cannot leave a complete-looking name on partial data.
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tempPath, path);
  } catch (error) {
    await rm(tempPath, { force: true });
    throw error;
  }
}
