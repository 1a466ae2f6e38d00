import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "../../src/shared/clock.js";
import { withTimeout } from "../../src/shared/timeout.js";

describe("withTimeout", () => {
  it("passes a value that arrives in time through and clears its timer", async () => {
    const clock = new ManualClock();
    assert.equal(await withTimeout(Promise.resolve(42), 1000, clock, () => new Error("late")), 42);
    assert.equal(clock.pending, 0);
  });

  it("rejects with the timeout error once the time is up", async () => {
    const clock = new ManualClock();
    const never = new Promise<number>(() => undefined);
    const result = withTimeout(never, 1000, clock, () => new Error("no answer in 1 s"));
    await clock.advance(999);
    let settled = false;
    void result.catch(() => (settled = true));
    await clock.advance(0);
    assert.equal(settled, false);
    await clock.advance(1);
    await assert.rejects(result, /no answer in 1 s/);
  });

  it("passes an earlier failure through", async () => {
    const clock = new ManualClock();
    await assert.rejects(
      withTimeout(Promise.reject(new Error("401")), 1000, clock, () => new Error("late")),
      /401/,
    );
    assert.equal(clock.pending, 0);
  });
});
