import { createHash } from 'node:crypto';
import { LruCache } from './lru-cache.js';

const DATA_URL_PREFIX = 'data:image/png;base64,';

/**
 * Uploaded input images (base64 PNG), kept in memory by the sha256 of their bytes — the id the
 * visualization manifest records for them — so image URLs can name an upload (`upload=<sha256>`)
 * instead of carrying it. After a restart an id is unknown (404) and the page uploads again.
 */
export class UploadStore {
  private readonly images = new LruCache<string>({
    maxSize: 32 * 1024 * 1024,
    sizeOf: (image) => image.length,
  });

  /** Keeps the image and returns its id. */
  add(base64Png: string): string {
    const text = base64Png.startsWith(DATA_URL_PREFIX)
      ? base64Png.slice(DATA_URL_PREFIX.length)
      : base64Png;
    const id = createHash('sha256').update(Buffer.from(text, 'base64')).digest('hex');
    this.images.set(id, text);
    return id;
  }

  get(id: string): string | undefined {
    return this.images.get(id);
  }
}
