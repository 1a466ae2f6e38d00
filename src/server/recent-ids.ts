/**
 * A bounded memory of recently seen ids: remembers the last `capacity` and forgets the
 * oldest first, so memory stays flat however long the bot runs.
 */
export class RecentIds {
  private readonly ids = new Set<number>();

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    }
  }

  has(id: number): boolean {
    return this.ids.has(id);
  }

  /** Remembers `id`; returns false when it was already remembered. */
  add(id: number): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      // A Set iterates in insertion order: the first id is the oldest.
      const oldest = this.ids.values().next().value as number;
      this.ids.delete(oldest);
    }
    return true;
  }

  get size(): number {
    return this.ids.size;
  }
}
