/**
 * A map bounded by the bytes of what it holds: the least recently used entries go first
 * whenever the entries' sizes add up to more than `maxBytes`, and an entry larger than that on
 * its own is not kept at all. `onDrop` sees every value that leaves, whether it was pushed out,
 * replaced, deleted or refused, so an owner can release what it attached to it (a timer).
 */
export class LruByBytes<V> {
  /** Least recently used first. */
  private readonly entries = new Map<string, { value: V; bytes: number }>();
  private total = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly onDrop: (value: V) => void = () => {},
  ) {}

  /** The value kept under `key`, which becomes the most recently used. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Keeps `value`, taking `bytes`, as the most recently used (in place of any under `key`). */
  set(key: string, value: V, bytes: number): void {
    this.delete(key);
    if (bytes > this.maxBytes) {
      this.onDrop(value);
      return;
    }
    this.entries.set(key, { value, bytes });
    this.total += bytes;
    for (const oldest of this.entries.keys()) {
      if (this.total <= this.maxBytes) break;
      this.delete(oldest);
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.total -= entry.bytes;
    this.onDrop(entry.value);
  }
}
