import type { Clock } from "./clock.js";

/**
 * Settles like `promise`, or rejects with `onTimeout()` if it takes longer than `ms`.
 * The promise itself keeps running: use it where giving up is the caller's decision.
 */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  clock: Clock,
  onTimeout: () => Error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(() => reject(onTimeout()), ms);
    promise.then(
      (value) => {
        clock.clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clock.clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Runs `work` with a signal that aborts after `ms` (and when `outer` aborts); a failure
 * after the deadline becomes `onTimeout()`, whatever the aborted work threw. Unlike
 * {@link withTimeout}, the work itself is stopped.
 */
export async function withDeadline<T>(
  clock: Clock,
  ms: number,
  work: (signal: AbortSignal) => Promise<T>,
  onTimeout: () => Error,
  outer?: AbortSignal,
): Promise<T> {
  const deadline = new AbortController();
  const timer = clock.setTimeout(() => deadline.abort(), ms);
  const signal = outer ? AbortSignal.any([outer, deadline.signal]) : deadline.signal;
  try {
    return await work(signal);
  } catch (error) {
    throw deadline.signal.aborted ? onTimeout() : error;
  } finally {
    clock.clearTimeout(timer);
  }
}
