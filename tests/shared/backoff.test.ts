import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  backoffDelay,
  RetriesExhaustedError,
  retryWithBackoff,
  type BackoffPolicy,
  type RetryEvent,
} from "../../src/shared/backoff.js";
import { ManualClock } from "../../src/shared/clock.js";

const policy: BackoffPolicy = { initialMs: 1_000, maxDelayMs: 60_000, giveUpAfterMs: 0 };
const retryAll = () => ({ retry: true as const });

/** An operation that fails `failures` times with "down", then answers "up". */
function flaky(failures: number) {
  let calls = 0;
  return {
    operation: () =>
      ++calls <= failures ? Promise.reject(new Error("down")) : Promise.resolve("up"),
    calls: () => calls,
  };
}

/** Runs the retries to the end, firing each wait's timer as soon as it is set. */
async function drive<T>(clock: ManualClock, result: Promise<T>): Promise<T> {
  let settled = false;
  const done = result.finally(() => (settled = true));
  done.catch(() => undefined);
  while (!settled) {
    const next = clock.nextAt();
    await clock.advanceTo(next ?? clock.now());
  }
  return done;
}

describe("backoffDelay", () => {
  it("doubles from the first delay up to the cap, before jitter", () => {
    const steps = [1, 2, 3, 4, 5, 6, 7, 8, 60].map((attempt) => backoffDelay(policy, attempt, 1));
    assert.deepEqual(steps, [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });

  it("jitters within the upper half of each step", () => {
    assert.equal(backoffDelay(policy, 3, 0), 2_000);
    assert.equal(backoffDelay(policy, 3, 0.5), 3_000);
    assert.equal(backoffDelay(policy, 10, 0), 30_000);
  });

  it("stays finite for an attempt count that would overflow", () => {
    assert.equal(backoffDelay(policy, 10_000, 1), 60_000);
  });
});

describe("retryWithBackoff", () => {
  it("retries a failure until it succeeds, waiting the backoff sequence between tries", async () => {
    const clock = new ManualClock();
    const { operation, calls } = flaky(4);
    const events: RetryEvent[] = [];
    const startedAt: number[] = [];
    const result = retryWithBackoff(
      () => {
        startedAt.push(clock.now());
        return operation();
      },
      { policy, clock, classify: retryAll, random: () => 1, onRetry: (e) => events.push(e) },
    );
    assert.equal(await drive(clock, result), "up");
    assert.equal(calls(), 5);
    assert.deepEqual(
      events.map(({ attempt, delayMs }) => [attempt, delayMs]),
      [
        [1, 1_000],
        [2, 2_000],
        [3, 4_000],
        [4, 8_000],
      ],
    );
    assert.deepEqual(startedAt, [0, 1_000, 3_000, 7_000, 15_000]);
    assert.equal(clock.pending, 0);
  });

  it("throws a failure the classifier calls final at once, without waiting", async () => {
    const clock = new ManualClock();
    const { operation, calls } = flaky(1);
    await assert.rejects(
      retryWithBackoff(operation, { policy, clock, classify: () => ({ retry: false }) }),
      /down/,
    );
    assert.equal(calls(), 1);
    assert.equal(clock.pending, 0);
  });

  it("waits at least what the failure asks for (a 429's retry_after)", async () => {
    const clock = new ManualClock();
    const { operation } = flaky(1);
    const events: RetryEvent[] = [];
    const result = retryWithBackoff(operation, {
      policy,
      clock,
      classify: () => ({ retry: true, minDelayMs: 7_000 }),
      random: () => 0,
      onRetry: (e) => events.push(e),
    });
    assert.equal(await drive(clock, result), "up");
    assert.equal(events[0]?.delayMs, 7_000);
    assert.equal(clock.now(), 7_000);
  });

  it("gives up when the next wait would pass giveUpAfterMs, with the last error as cause", async () => {
    const clock = new ManualClock();
    const { operation, calls } = flaky(100);
    const result = retryWithBackoff(operation, {
      policy: { ...policy, giveUpAfterMs: 10_000 },
      clock,
      classify: retryAll,
      random: () => 1,
    });
    const error = await drive(clock, result).then(
      () => assert.fail("should give up"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof RetriesExhaustedError);
    // Tries at 0, 1 s, 3 s and 7 s; the next wait (8 s) would end past 10 s.
    assert.equal(calls(), 4);
    assert.equal(error.attempts, 4);
    assert.match(error.message, /gave up after 4 tries in 7 s: down/);
    assert.equal((error.cause as Error).message, "down");
  });

  it("stops at once when aborted during a wait, leaving no timer behind", async () => {
    const clock = new ManualClock();
    const stop = new AbortController();
    const { operation, calls } = flaky(100);
    let retried!: () => void;
    const waiting = new Promise<void>((resolve) => (retried = resolve));
    const result = retryWithBackoff(operation, {
      policy,
      clock,
      classify: retryAll,
      signal: stop.signal,
      onRetry: () => retried(),
    });
    await waiting;
    assert.equal(clock.pending, 1);
    stop.abort(new Error("shutting down"));
    await assert.rejects(result, /shutting down/);
    assert.equal(clock.pending, 0);
    assert.equal(calls(), 1);
  });

  it("passes the signal to the try and ends with its reason when the try is aborted", async () => {
    const clock = new ManualClock();
    const stop = new AbortController();
    let seen: AbortSignal | undefined;
    const result = retryWithBackoff(
      (signal) => {
        seen = signal;
        return new Promise<never>((_, reject) =>
          signal!.addEventListener("abort", () => reject(new Error("request aborted"))),
        );
      },
      { policy, clock, classify: retryAll, signal: stop.signal },
    );
    stop.abort(new Error("shutting down"));
    await assert.rejects(result, /shutting down/);
    assert.equal(seen, stop.signal);
    assert.equal(clock.pending, 0);
  });
});
