/**
 * Byte accounting for the memory budget. Every byte a loaded model uses and every byte
 * a load in flight has reserved is charged here; admission goes through
 * {@link MemoryBudget.tryCharge}, which refuses anything that would cross the budget.
 */
export class MemoryBudget {
  private charged = 0;
  private peak = 0;

  constructor(readonly totalBytes: number) {
    if (!Number.isFinite(totalBytes) || totalBytes <= 0) {
      throw new RangeError(`memory budget must be a positive number of bytes, got ${totalBytes}`);
    }
  }

  /** Bytes charged: resident models plus reservations of loads in flight. */
  get inUseBytes(): number {
    return this.charged;
  }

  get freeBytes(): number {
    return Math.max(0, this.totalBytes - this.charged);
  }

  /** The highest {@link inUseBytes} ever reached. */
  get peakBytes(): number {
    return this.peak;
  }

  /** Charges `bytes` if they fit under the budget; says whether they did. */
  tryCharge(bytes: number): boolean {
    if (this.charged + bytes > this.totalBytes) return false;
    this.add(bytes);
    return true;
  }

  /**
   * Charges bytes that are already in use whether they fit or not: a load measured
   * more than it reserved. The manager then evicts until it is back under budget.
   */
  forceCharge(bytes: number): void {
    this.add(bytes);
  }

  release(bytes: number): void {
    this.charged = Math.max(0, this.charged - bytes);
  }

  private add(bytes: number): void {
    this.charged += bytes;
    this.peak = Math.max(this.peak, this.charged);
  }
}
