import type { MiddlewareFn } from "grammy";

/**
 * Counts updates being handled (queued in their person's line included), so shutdown can
 * wait for them: the runner's `stop()` ends polling but does not wait for middleware.
 */
export class InFlightUpdates {
  private count = 0;
  private waiters: (() => void)[] = [];

  readonly middleware: MiddlewareFn = async (_ctx, next) => {
    this.count++;
    try {
      await next();
    } finally {
      if (--this.count === 0) for (const wake of this.waiters.splice(0)) wake();
    }
  };

  get size(): number {
    return this.count;
  }

  /** Resolves once no update is being handled. */
  idle(): Promise<void> {
    return this.count === 0
      ? Promise.resolve()
      : new Promise((resolve) => this.waiters.push(resolve));
  }
}
