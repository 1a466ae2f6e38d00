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
