/**
 * A buffer reused from one picture to the next. Fresh memory of a few MB costs a page fault per
 * 4 KB each time it is first written, which on a busy machine took longer than drawing the
 * picture; pictures are drawn synchronously, one after another, so one buffer serves them all.
 * Whoever takes it last owns it: an earlier owner must not use its bytes any more (`owns`).
 */
export class Scratch {
  readonly #maxBytes: number;
  #buffer: Buffer | undefined;
  #owner: object | undefined;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** `size` bytes (contents left over from earlier use) for `owner`; beyond the cap, fresh ones. */
  take(owner: object, size: number): Buffer {
    if (size > this.#maxBytes) return Buffer.allocUnsafe(size);
    if (this.#buffer === undefined || this.#buffer.length < size) {
      this.#buffer = Buffer.allocUnsafe(size);
    }
    this.#owner = owner;
    return this.#buffer.subarray(0, size);
  }

  /** Whether `buffer`, taken by `owner`, is still its own (fresh buffers always are). */
  owns(owner: object, buffer: Buffer): boolean {
    return buffer.buffer !== this.#buffer?.buffer || this.#owner === owner;
  }
}
