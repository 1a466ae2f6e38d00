/**
 * How long a request may take: it waits in its model's line and for the model to load like
 * any job (a loading model is no error), runs, and past API_TIMEOUT is cancelled and answered
 * 504. A client that disconnects cancels it too: nothing keeps running for nobody.
 */
import type { Context } from "hono";
import type { Clock } from "../shared/clock.js";
import { isAppError } from "../shared/errors.js";
import type { ApiEnv } from "./env.js";
import { HttpError } from "./errors.js";

/** API_TIMEOUT, and the clock it is measured on. */
export interface Deadline {
  timeoutMs: number;
  clock: Clock;
}

/**
 * Runs `work` with a signal aborted when the client goes or the deadline passes; a job
 * cancelled by the deadline becomes a 504 that says why.
 */
export async function withDeadline<T>(
  c: Context<ApiEnv>,
  { timeoutMs, clock }: Deadline,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const timer = new AbortController();
  const timeout = clock.setTimeout(() => timer.abort(timeoutError(timeoutMs)), timeoutMs);
  try {
    return await work(AbortSignal.any([c.req.raw.signal, timer.signal]));
  } catch (error) {
    if (timer.signal.aborted && isAppError(error) && error.code === "job.cancelled")
      throw timer.signal.reason;
    throw error;
  } finally {
    clock.clearTimeout(timeout);
  }
}

function timeoutError(timeoutMs: number): HttpError {
  return new HttpError(
    504,
    "timeout",
    `no answer within ${Math.round(timeoutMs / 1000)} s (API_TIMEOUT): the model may still be ` +
      "loading or its line is long; the request was cancelled, try again later",
  );
}
