/**
 * Retrying an operation with capped exponential backoff and jitter, in virtual time when
 * given a ManualClock: the start-up's wait for Telegram uses it, and its tests never sleep.
 */
import type { Clock } from "./clock.js";

export interface BackoffPolicy {
  /** The first delay (before jitter). */
  initialMs: number;
  /** No delay grows past this (before jitter). */
  maxDelayMs: number;
  /** Give up once this long has passed since the first try; 0 retries for ever. */
  giveUpAfterMs: number;
}

/** How a failed try is treated: retried (after at least `minDelayMs`), or the end. */
export type Verdict = { retry: true; minDelayMs?: number } | { retry: false };

export interface RetryEvent {
  /** The try that just failed, from 1. */
  attempt: number;
  error: unknown;
  /** The wait before the next try. */
  delayMs: number;
}

export interface RetryOptions {
  policy: BackoffPolicy;
  clock: Clock;
  /** Decides whether a failure is worth another try. */
  classify: (error: unknown) => Verdict;
  /** Called before each wait (log it, show it on /health/ready). */
  onRetry?: (event: RetryEvent) => void;
  /** Aborting it ends the wait and the try at once; the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /** [0, 1): the jitter source (tests pin it). */
  random?: () => number;
}

/** Thrown when `giveUpAfterMs` ran out; `cause` is the last try's error. */
export class RetriesExhaustedError extends Error {
  constructor(
    readonly attempts: number,
    readonly elapsedMs: number,
    cause: unknown,
  ) {
    super(
      `gave up after ${attempts} tries in ${Math.round(elapsedMs / 1000)} s: ${messageOf(cause)}`,
      { cause },
    );
    this.name = "RetriesExhaustedError";
  }
}

/**
 * The delay after failed try `attempt` (from 1): `initialMs` doubled each time up to
 * `maxDelayMs`, then drawn from its upper half ("equal jitter"), so many bots that lost
 * Telegram together don't come back in lockstep, and none waits less than half the step.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: number): number {
  const step = Math.min(policy.maxDelayMs, policy.initialMs * 2 ** Math.min(attempt - 1, 52));
  return Math.round(step / 2 + (random * step) / 2);
}

/** Runs `operation` until it succeeds, a failure is not retryable, time runs out or `signal` aborts. */
export async function retryWithBackoff<T>(
  operation: (signal: AbortSignal | undefined) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const { policy, clock, signal } = options;
  const random = options.random ?? Math.random;
  const startedAt = clock.now();
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await operation(signal);
    } catch (error) {
      signal?.throwIfAborted();
      const verdict = options.classify(error);
      if (!verdict.retry) throw error;
      const delayMs = Math.max(backoffDelay(policy, attempt, random()), verdict.minDelayMs ?? 0);
      const elapsedMs = clock.now() - startedAt;
      if (policy.giveUpAfterMs > 0 && elapsedMs + delayMs > policy.giveUpAfterMs) {
        throw new RetriesExhaustedError(attempt, elapsedMs, error);
      }
      options.onRetry?.({ attempt, error, delayMs });
      await sleep(clock, delayMs, signal);
    }
  }
}

/** Waits `ms` on `clock`; rejects with the signal's reason as soon as it aborts. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
