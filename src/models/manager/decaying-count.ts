/**
 * A count of events whose weight decays exponentially with age: each event counts 1
 * when it happens and 1/e of that `timeConstantMs` later. Its value is a smoothed
 * recent rate (events per `timeConstantMs`) kept in two numbers, however many events.
 */
export class DecayingCount {
  private count = 0;
  private at = 0;

  constructor(readonly timeConstantMs: number) {
    if (!(timeConstantMs > 0)) {
      throw new RangeError(`time constant must be positive, got ${timeConstantMs}`);
    }
  }

  /** Records one event at `now`. */
  add(now: number): void {
    this.count = this.valueAt(now) + 1;
    this.at = now;
  }

  /** The decayed count at `now` (not before the last event). */
  valueAt(now: number): number {
    return this.count * Math.exp(-Math.max(0, now - this.at) / this.timeConstantMs);
  }
}
