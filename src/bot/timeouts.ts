/**
 * Time limits on the network steps of a job, so a dead connection to Telegram ends in a
 * clear reply instead of a job that hangs forever: each Bot API call attempt (getFile
 * included), and each file download, whose limit grows with the file's size.
 */
import type { Transformer } from "grammy";
import type { Clock } from "../shared/clock.js";
import { NetworkError } from "../shared/errors.js";
import { withDeadline } from "../shared/timeout.js";

/** The slowest download accepted, beyond the base limit: 20 MB gets 200 s more. */
export const MIN_DOWNLOAD_BYTES_PER_S = 100_000;

/** Long polls wait on purpose; the runner bounds them itself. */
const UNBOUNDED_METHODS = new Set(["getUpdates"]);

/** How long downloading a file of `bytes` may take. */
export function downloadTimeoutMs(bytes: number | undefined, baseMs: number): number {
  return baseMs + Math.ceil(((bytes ?? 0) / MIN_DOWNLOAD_BYTES_PER_S) * 1000);
}

/**
 * Bounds each Bot API call attempt by `ms`. Install it inside auto-retry: the timeout is
 * not a network error, so it is not retried, and a wait for a 429's retry_after (between
 * attempts) does not count.
 */
export function callTimeout(clock: Clock, ms: number): Transformer {
  return (prev, method, payload, signal) => {
    if (UNBOUNDED_METHODS.has(method)) return prev(method, payload, signal);
    type GrammySignal = Parameters<typeof prev>[2];
    return withDeadline(
      clock,
      ms,
      (bounded) => prev(method, payload, bounded as GrammySignal),
      () =>
        new NetworkError("telegram.timeout", `Telegram did not answer ${method} in ${ms} ms`, {
          method,
        }),
      signal as AbortSignal | undefined,
    );
  };
}
