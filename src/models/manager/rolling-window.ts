/**
 * The last `capacity` samples of a measurement (e.g. run times), so percentiles reflect
 * recent behaviour and memory stays bounded however long the process runs.
 */
export class RollingWindow {
  private readonly samples: number[] = [];
  private next = 0;

  constructor(readonly capacity = 200) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`window capacity must be a positive integer, got ${capacity}`);
    }
  }

  get size(): number {
    return this.samples.length;
  }

  push(value: number): void {
    if (this.samples.length < this.capacity) this.samples.push(value);
    else this.samples[this.next] = value;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Nearest-rank percentile (`p` in 0..100) of the samples held, or undefined when empty. */
  percentile(p: number): number | undefined {
    if (this.samples.length === 0) return undefined;
    const sorted = [...this.samples].sort((a, b) => a - b);
    const rank = Math.ceil((Math.min(100, Math.max(0, p)) / 100) * sorted.length);
    return sorted[Math.max(0, rank - 1)];
  }
}
