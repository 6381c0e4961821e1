export interface LruCacheOptions<V> {
  /** Most entries kept (default unlimited). */
  readonly maxEntries?: number;
  /** Largest total of `sizeOf(value)` kept (default unlimited). */
  readonly maxSize?: number;
  readonly sizeOf?: (value: V) => number;
}

/**
 * A least-recently-used cache on a Map (whose iteration order is insertion order): a hit moves
 * the entry to the end, and the oldest entries go first when a limit is passed. A value larger
 * than maxSize on its own is not kept.
 */
export class LruCache<V> {
  private readonly entries = new Map<string, { value: V; size: number }>();
  private total = 0;

  constructor(private readonly options: LruCacheOptions<V> = {}) {}

  get size(): number {
    return this.entries.size;
  }

  /** Sum of the sizes of the values kept. */
  get totalSize(): number {
    return this.total;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V): void {
    this.delete(key);
    const size = this.options.sizeOf?.(value) ?? 1;
    if (size > (this.options.maxSize ?? Infinity)) return;
    this.entries.set(key, { value, size });
    this.total += size;
    const maxEntries = this.options.maxEntries ?? Infinity;
    const maxSize = this.options.maxSize ?? Infinity;
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= maxEntries && this.total <= maxSize) break;
      this.entries.delete(oldest);
      this.total -= entry.size;
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.total -= entry.size;
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }
}
